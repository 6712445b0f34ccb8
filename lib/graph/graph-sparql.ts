/** SPARQL text shared by the GraphStore implementations. */
import type { GraphCallOptions, GraphStore } from './graph-store';

// IRIREF of SPARQL/N-Triples, restricted to absolute IRIs: a graph IRI is spliced into
// query text and RDF4J's `context` parameter, so anything that could close the `<…>` is refused.
// eslint-disable-next-line no-control-regex -- IRIREF excludes the control characters (U+0000-U+0020), as the grammar says
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\u0000-\u0020<>"{}|^`\\]*$/;

/** `<iri>`, after checking the IRI cannot break out of the brackets. */
export function graphIriRef(iri: string): string {
  if (!ABSOLUTE_IRI.test(iri)) throw new TypeError(`not an absolute IRI usable as a graph name: ${JSON.stringify(iri)}`);
  return `<${iri}>`;
}

/** GraphStore.countTriples in terms of select, which both stores answer the same way. */
export async function countGraphTriples(store: Pick<GraphStore, 'select'>, graphIri: string, options?: GraphCallOptions): Promise<number> {
  const [row] = await store.select(`SELECT (COUNT(*) AS ?n) WHERE { GRAPH ${graphIriRef(graphIri)} { ?s ?p ?o } }`, options);
  return Number(row?.n?.value ?? 0);
}

/** Whether a named graph holds any triple: an ASK stops at the first one, where counting reads them all. */
export function graphHasTriples(store: Pick<GraphStore, 'ask'>, graphIri: string, options?: GraphCallOptions): Promise<boolean> {
  return store.ask(`ASK { GRAPH ${graphIriRef(graphIri)} { ?s ?p ?o } }`, options);
}
