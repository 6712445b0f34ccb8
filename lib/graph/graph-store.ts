/** The knowledge-graph store, as the activities see it: standard SPARQL 1.1 plus named-graph replace. */
export interface RdfTerm {
  termType: 'NamedNode' | 'Literal' | 'BlankNode';
  value: string;
  /** Datatype IRI for literals. */
  datatype?: string;
  language?: string;
}

export type SelectRow = Record<string, RdfTerm>;

/**
 * Per call: `signal` aborts the call (the HTTP request, or the embedded store between its steps); the call then
 * rejects with `signal.reason`. A write that was aborted leaves the graph as it was.
 */
export interface GraphCallOptions {
  signal?: AbortSignal;
  /**
   * Queries: how long the server may evaluate it (RDF4J/GraphDB stop it there, not only the client's wait). The
   * embedded store evaluates a query in one step and does not read it.
   */
  maxExecutionMs?: number;
}

export interface GraphStore {
  /** SPARQL SELECT; each row maps variable names (without '?') to terms; unbound variables are absent. */
  select(query: string, options?: GraphCallOptions): Promise<SelectRow[]>;
  /** SPARQL ASK. */
  ask(query: string, options?: GraphCallOptions): Promise<boolean>;
  /** SPARQL CONSTRUCT/DESCRIBE, answered as N-Triples text. */
  construct(query: string, options?: GraphCallOptions): Promise<string>;
  /** SPARQL 1.1 Update, applied atomically. */
  update(update: string, options?: GraphCallOptions): Promise<void>;
  /** Atomically replace the content of a named graph with the given N-Triples chunks. */
  replaceGraph(graphIri: string, ntriples: AsyncIterable<string> | Iterable<string>, options?: GraphCallOptions): Promise<void>;
  /** Remove a named graph (no error when absent). */
  dropGraph(graphIri: string, options?: GraphCallOptions): Promise<void>;
  /** Number of triples in a named graph (0 when absent). */
  countTriples(graphIri: string, options?: GraphCallOptions): Promise<number>;
  /** The IRIs of the named graphs that hold triples (the default graph is not one: the pipeline never writes it). */
  listGraphs(options?: GraphCallOptions): Promise<string[]>;
  /**
   * A named graph as N-Quads (each line naming the graph), in chunks of whole lines, streamed: for backups
   * (lib/backup), which must not hold a graph in memory.
   */
  exportGraph(graphIri: string, options?: GraphCallOptions): AsyncIterable<string>;
  close(): Promise<void>;
}
