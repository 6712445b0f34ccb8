/** The knowledge-graph store, as the activities see it: standard SPARQL 1.1 plus named-graph replace. */
export interface RdfTerm {
  termType: 'NamedNode' | 'Literal' | 'BlankNode';
  value: string;
  /** Datatype IRI for literals. */
  datatype?: string;
  language?: string;
}

export type SelectRow = Record<string, RdfTerm>;

export interface GraphStore {
  /** SPARQL SELECT; each row maps variable names (without '?') to terms; unbound variables are absent. */
  select(query: string): Promise<SelectRow[]>;
  /** SPARQL ASK. */
  ask(query: string): Promise<boolean>;
  /** SPARQL CONSTRUCT/DESCRIBE, answered as N-Triples text. */
  construct(query: string): Promise<string>;
  /** SPARQL 1.1 Update, applied atomically. */
  update(update: string): Promise<void>;
  /** Atomically replace the content of a named graph with the given N-Triples chunks. */
  replaceGraph(graphIri: string, ntriples: AsyncIterable<string> | Iterable<string>): Promise<void>;
  /** Remove a named graph (no error when absent). */
  dropGraph(graphIri: string): Promise<void>;
  /** Number of triples in a named graph (0 when absent). */
  countTriples(graphIri: string): Promise<number>;
  close(): Promise<void>;
}
