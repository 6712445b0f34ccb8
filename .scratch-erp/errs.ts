import { writeFileSync, mkdirSync } from 'node:fs';
import { parseLedger } from '../lib/erp/parse-ledger';
const H = '전표일자,전표번호,구분,계정코드,계정과목,차변,대변,거래처코드,거래처,적요,증빙구분';
const ok = '2024-01-02,00001,3,811,복리후생비,1000,,00042,식당,회식,3';
const cases: Record<string, string | Buffer> = {
  unclosed: [H, ok, '2024-01-03,00001,3,811,복리후생비,1000,,00042,식당,"회식,3', ok].join('\n'),
  openingquote: [H, ok, '2024-01-03,00001,3,811,복리후생비,1000,,00042,식당,회"식,3'].join('\n'),
  closingquote: [H, ok, '2024-01-03,00001,3,811,복리후생비,1000,,00042,식당,"회"식,3'].join('\n'),
  fields: [H, ok, '2024-01-03,00001,3,811,복리후생비,1000,,00042,식당,3'].join('\n'),
  crlfmulti: [H, '2024-01-03,00001,3,811,복리후생비,1000,,00042,식당,"a\r\nb\r\nc",3', '', ok, '2024-01-04,00001,3,811,복리후생비,1000x,,00042,식당,회식,3'].join('\r\n'),
  latin1: Buffer.concat([Buffer.from('date,name\n2024-01-02,ok\n'), Buffer.from('2024-01-03,M\xfcller\n', 'latin1')]),
  garbage: Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x80, 0x81]),
  empty: '',
  dupe: ['전표일자,일자,계정코드,계정과목,차변', ''].join('\n'),
  missing: ['전표일자,계정과목,차변', ''].join('\n'),
};
mkdirSync('/tmp/errs', { recursive: true });
(async () => {
  for (const [name, content] of Object.entries(cases)) {
    const p = `/tmp/errs/${name}.csv`; writeFileSync(p, content);
    try { for await (const l of parseLedger(p, { period: '2024-01' })) console.log('  ', l.sourceLine, JSON.stringify(l.memo)); console.log(name, 'OK'); }
    catch (e: any) { console.log(name, e.name, e.line, e.column, '|', e.message); }
  }
})();
