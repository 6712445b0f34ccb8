// Per-account month totals (shapes/totals/account-totals.ru) kept in each month's ledger graph: year-to-date,
// trailing and P&L queries add these up instead of re-reading every journal line of every month.
import { graphIriRef } from '../graph/graph-sparql';
import type { GraphStore } from '../graph/graph-store';
import { bindIri } from '../rdf/bind-iri';
import type { QueryCatalog } from '../rdf/query-catalog';
import { tax } from '../rdf/vocabulary';

/** Sums each account of the month into its graph; rerunning adds nothing (the same triples). */
export async function writeAccountTotals(graph: GraphStore, queries: Pick<QueryCatalog, 'accountTotals'>, ledgerGraph: string): Promise<void> {
  await graph.update(bindIri(queries.accountTotals, 'ledgerGraph', ledgerGraph));
}

/** Adds the totals to a month promoted without them (a graph written by an earlier release). */
export async function ensureAccountTotals(graph: GraphStore, queries: Pick<QueryCatalog, 'accountTotals'>, ledgerGraph: string): Promise<void> {
  const query = `ASK { GRAPH ${graphIriRef(ledgerGraph)} { ?total a <${tax('AccountTotal')}> } }`;
  if (!(await graph.ask(query))) await writeAccountTotals(graph, queries, ledgerGraph);
}
