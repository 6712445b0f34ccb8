import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
async function run(text: string, opts: object = {}) {
  const p = Readable.from([text]).pipe(parse({ info: true, raw: true, relax_column_count: false, skip_empty_lines: true, ...opts }));
  try {
    for await (const r of p) console.log(JSON.stringify(r.record), r.info.lines, JSON.stringify(r.raw), r.info.index, r.info.records);
  } catch (e: any) { console.log('ERR', e.code, e.message, 'lines=', e.lines, 'records=', e.records, 'column=', e.column, 'index', e.index, Object.keys(e)); }
}
(async () => {
  await run('a,b,c\n1,"x\ny",3\n\n4,5,6\n7,8,9');
  await run('a,b,c\r\n1,"x\r\ny",3\r\n4,5,6\r\n');
  await run('a,b,c\n1,2,3\n4,"5,6\n7,8,9\n');
  await run('a,b,c\n1,2,3\n4,5\n');
  await run('a,b,c\n1,2,3\n4,x"y,5\n');
  await run('a,b,c\n1,2,3\n4,"x"y,5\n');
})();
