import { readdirSync } from 'node:fs';
import { parseLedger } from '../lib/erp/parse-ledger';
import { detectEncoding } from '../lib/erp/decode';
import { loadCompany, listCompanyIds } from '../lib/erp/company';
import { loadChart } from '../lib/erp/chart';
(async () => {
  const dir = 'test/fixtures/ledgers';
  const ids = await listCompanyIds(dir);
  console.log(ids);
  for (const id of ids) {
    const c = await loadCompany(dir, id);
    const chart = await loadChart(dir, id, 'ontology/accounts.csv');
    for (const f of readdirSync(`${dir}/companies/${id}/ledger`)) {
      const p = `${dir}/companies/${id}/ledger/${f}`;
      let n = 0, d = 0, cr = 0; let last: any;
      for await (const l of parseLedger(p, { period: f.slice(0, 7) })) { n++; d += l.debit; cr += l.credit; last = l; if (!chart.has(l.account)) console.log('unknown', l.account); }
      console.log(id, f, await detectEncoding(p), n, d === cr, last.sourceLine, last.position, c.bizRegNo, chart.size);
    }
  }
  console.log(JSON.stringify(await (async () => { for await (const l of parseLedger('test/fixtures/ledgers/companies/c01-가람/ledger/2024-01.csv', { period: '2024-01' })) return l; })()));
})();
