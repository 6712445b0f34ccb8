// Loads an ERP data directory into ledger graphs the way the ETL writes them (lines and account totals), minus
// staging and data quality.
import { join } from 'node:path';
import type { Company } from '../../lib/domain/company';
import { isValidBizRegNo } from '../../lib/erp/biz-reg-no';
import { loadChart } from '../../lib/erp/chart';
import { findLedger, ledgerPeriods, listCompanyIds, loadCompany } from '../../lib/erp/company';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { PROJECT_ROOT } from '../../lib/config';
import type { GraphStore } from '../../lib/graph/graph-store';
import { writeAccountTotals } from '../../lib/pipeline/account-totals';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { ledgerToNTriples } from '../../lib/rdf/map-ledger';

/** Every month's export (`companies/<id>/ledger/<YYYY-MM>.csv`, `.xlsx`, `.xls`) of `dataDir` into its company-month graph; the companies by id. */
export async function loadLedgerGraphs(store: GraphStore, dataDir: string, standardChart: string): Promise<Map<string, Company>> {
  const companies = new Map<string, Company>();
  const queries = await QueryCatalog.load(join(PROJECT_ROOT, 'shapes'));
  for (const id of await listCompanyIds(dataDir)) {
    const company = await loadCompany(dataDir, id);
    const chart = await loadChart(dataDir, id, standardChart);
    for (const period of await ledgerPeriods(dataDir, id)) {
      const context = { company, period, chart, bizRegNoValid: isValidBizRegNo(company.bizRegNo) };
      const lines = parseLedger((await findLedger(dataDir, id, period))!.path, { period });
      const graph = ledgerGraphIri(id, period);
      await store.replaceGraph(graph, ledgerToNTriples(lines, context));
      await writeAccountTotals(store, queries, graph);
    }
    companies.set(id, company);
  }
  return companies;
}
