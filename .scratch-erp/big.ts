import { writeFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { parseLedger } from '../lib/erp/parse-ledger';
const rows = ['전표일자,전표번호,구분,계정코드,계정과목,차변,대변,거래처코드,거래처,적요,증빙구분'];
for (let i = 0; i < 100000; i++) { rows.push(`2024-01-15,${String(i).padStart(5,'0')},3,811,복리후생비,"1,000",,00042,식당,"직원 회식 ${i}",3`); rows.push(`2024-01-15,${String(i).padStart(5,'0')},4,253,미지급금,,1000,00042,카드사,법인카드,`); }
writeFileSync('/tmp/big.csv', iconv.encode(rows.join('\r\n') + '\r\n', 'cp949'));
(async () => { const t = Date.now(); let n = 0, last = 0; for await (const l of parseLedger('/tmp/big.csv', { period: '2024-01' })) { n++; last = l.sourceLine; } console.log(n, last, Date.now() - t, 'ms', process.memoryUsage().rss / 1e6); })();
