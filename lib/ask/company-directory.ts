// The companies a person may ask about, by id and name, read from the ledger graphs: the whole firm, or only the
// scope's companies (restricted in the query itself). Kept for a minute per scope: at a thousand companies reading
// it is most of a firm-wide question's time, and companies are added by the month's runs, not by the minute.
import type { CompanyId, Period } from '../domain/ids';
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
  // A renamed company is listed under the name of its latest month.
  const rows = await graph.select(
    `PREFIX tax: <${TAX}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?id ?name (MAX(?period) AS ?last) WHERE {
  ${restrict}
  GRAPH ?g { ?g a tax:Ledger ; tax:company ?co ; tax:period ?period . ?co tax:companyId ?id ; rdfs:label ?name . }
} GROUP BY ?id ?name ORDER BY ?id ?last`,
    options,
  );
  const byId = new Map<string, DirectoryEntry>();
  for (const row of rows) byId.set(row.id!.value, { id: row.id!.value as CompanyId, name: row.name!.value, last: row.last!.value as Period });
  return [...byId.values()];
}

/** companyDirectory, each scope's answer kept for `ttlMs`. */
export class CachedDirectory {
  private readonly entries = new Map<string, { at: number; companies: Promise<DirectoryEntry[]> }>();

  constructor(
    private readonly graph: GraphStore,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  companies(scope: readonly CompanyId[] | undefined, options?: GraphCallOptions): Promise<DirectoryEntry[]> {
    const key = scope === undefined ? '*' : [...scope].sort().join('\n');
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.companies;
    const companies = companyDirectory(this.graph, scope, options);
    this.entries.set(key, { at: this.now(), companies });
    // A failed read is not kept.
    companies.catch(() => this.entries.delete(key));
    return companies;
  }
}
