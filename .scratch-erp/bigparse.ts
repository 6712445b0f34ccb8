import { parseLedger } from '../lib/erp/parse-ledger';
(async () => { const t = Date.now(); let n = 0, peak = 0; for await (const l of parseLedger('/tmp/big.csv', { period: '2024-01' })) { n++; if (n % 10000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed); } console.log(n, Date.now() - t, 'ms', 'peak heap MB', (peak / 1e6).toFixed(1)); })();
