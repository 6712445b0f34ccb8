import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
class MyErr extends Error {}
(async () => {
  const p = Readable.from(['a,b\n1,2\n3,4\n5,6\n']).pipe(parse({ on_record: (r: string[], info: any) => { if (r[0] === '3') throw new MyErr('bad 3'); return { r, e: info.empty_lines }; } }));
  try { for await (const x of p) console.log(x); } catch (e) { console.log(e instanceof MyErr, (e as Error).message); }
  const q = Readable.from(['a,b\n1,2\n3,4\n5,6\n']).pipe(parse({ on_record: (r: string[]) => (r[0] === '3' ? null : r) }));
  for await (const x of q) console.log(x);
})();
