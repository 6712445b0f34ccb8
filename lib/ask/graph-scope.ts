// The company scope of the person asking, applied inside the query as its dataset: a scoped person's query reads
// only the named graphs of its companies (FROM NAMED), so no pattern, filter or GRAPH clause can reach another's.
import type { CompanyId, Period } from '../domain/ids';
import { graphIriRef } from '../graph/graph-sparql';
import { companyIri, findingsGraphIri, ledgerGraphIri } from '../rdf/iris';
import { reviewsGraphIri } from '../review/finding-reviews';

export type GraphKind = 'ledger' | 'findings' | 'reviews';

/** A graph that holds nothing: the dataset of a scope with no company, so it reads nothing. */
export const EMPTY_GRAPH = 'urn:x-tax-ask:no-graph';

/** The named graphs of these companies for these months. */
export function scopedGraphs(companies: readonly CompanyId[], periods: readonly Period[], kinds: readonly GraphKind[]): string[] {
  return companies.flatMap((id) =>
    kinds.flatMap((kind) => {
      if (kind === 'reviews') return [reviewsGraphIri(id)];
      return periods.map((p) => (kind === 'ledger' ? ledgerGraphIri(id, p) : findingsGraphIri(id, p)));
    }),
  );
}

/** `FROM NAMED` for each graph (an empty list reads the empty graph): the query's whole dataset. */
export function datasetClause(graphs: readonly string[] | undefined): string {
  if (graphs === undefined) return '';
  const named = graphs.length === 0 ? [EMPTY_GRAPH] : graphs;
  return named.map((g) => `FROM NAMED ${graphIriRef(g)}`).join('\n');
}

/** Whether a graph IRI belongs to one of the companies (its IRI is under the company's). */
export function graphOfCompanies(graph: string, companies: readonly CompanyId[]): boolean {
  return companies.some((id) => graph.startsWith(`${companyIri(id)}/`));
}
