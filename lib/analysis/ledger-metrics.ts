// Month and year-to-date revenue and expense of a company, read from every month of it in the graph.
import { emptyMetrics, type FindingsDocument } from '../domain/findings';
import { addMonths, fiscalYearStart } from '../domain/periods';
import type { GraphStore } from '../graph/graph-store';
import { bindIri } from '../rdf/bind-iri';
import { companyIri } from '../rdf/iris';
import type { QueryCatalog } from '../rdf/query-catalog';

export type LedgerMetrics = FindingsDocument['metrics'];

export async function ledgerMetrics(
  store: GraphStore,
  queries: Pick<QueryCatalog, 'periodTotals'>,
  companyId: string,
  period: string,
  fiscalYearStartMonth: number,
): Promise<LedgerMetrics> {
  const rows = await store.select(bindIri(queries.periodTotals, 'company', companyIri(companyId)));
  const start = fiscalYearStart(period, fiscalYearStartMonth);
  const metrics: LedgerMetrics = emptyMetrics();
  for (const row of rows) {
    const p = row.period?.value ?? '';
    if (p < start || p > period) continue;
    const revenue = Number(row.revenue?.value ?? 0);
    const expense = Number(row.expense?.value ?? 0);
    metrics.revenueYtd += revenue;
    metrics.expenseYtd += expense;
    metrics.ytdMonths.push(p);
    if (p === period) {
      metrics.revenueMonth = revenue;
      metrics.expenseMonth = expense;
      metrics.lineCount = Number(row.lines?.value ?? 0);
    }
  }
  for (let p = start; p <= period; p = addMonths(p, 1)) if (!metrics.ytdMonths.includes(p)) metrics.ytdMonthsMissing.push(p);
  return metrics;
}
