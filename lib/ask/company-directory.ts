// The companies a person may ask about, by id and name, read from the ledger graphs: the whole firm, or only the
// scope's companies (restricted in the query itself).
import type { CompanyId } from '../domain/ids';
import type { GraphCallOptions, GraphStore } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { companyIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import type { DirectoryEntry } from './korean-matcher';

export async function companyDirectory(
  graph: GraphStore,
  scope: readonly CompanyId[] | undefined,
  options?: GraphCallOptions,
): Promise<DirectoryEntry[]> {
  if (scope?.length === 0) return [];
  const restrict = scope ? `VALUES ?co { ${scope.map((id) => graphIriRef(companyIri(id))).join(' ')} }` : '';
  // The latest month's name wins when a company was renamed.
  const rows = await graph.select(
    `PREFIX tax: <${TAX}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?id ?name ?period WHERE {
  ${restrict}
  GRAPH ?g { ?g a tax:Ledger ; tax:company ?co ; tax:period ?period . ?co tax:companyId ?id ; rdfs:label ?name . }
} ORDER BY ?id ?period`,
    options,
  );
  const byId = new Map<string, DirectoryEntry>();
  for (const row of rows) byId.set(row.id!.value, { id: row.id!.value as CompanyId, name: row.name!.value });
  return [...byId.values()];
}
