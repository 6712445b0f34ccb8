import { readdirSync } from 'node:fs';
import { parseLedger } from '../lib/erp/parse-ledger';
(async () => { const s = new Set<string>(); const v = new Set<string>();
for (const id of readdirSync('test/fixtures/ledgers/companies')) for (const f of readdirSync(`test/fixtures/ledgers/companies/${id}/ledger`)) for await (const l of parseLedger(`test/fixtures/ledgers/companies/${id}/ledger/${f}`, { period: f.slice(0,7) })) { if (l.counterpartyCode) s.add(l.counterpartyCode); v.add(l.voucher!); }
console.log([...s], [...v]); })();
