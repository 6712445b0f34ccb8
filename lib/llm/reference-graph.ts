// The reference graph: law articles and the rules citing them (ontology/law-articles.ttl), loaded once per
// content version, so every worker and store (oxigraph, RDF4J, GraphDB) converges on the same text.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DataFactory, Parser, Writer } from 'n3';
import type { GraphStore } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { DATA } from '../rdf/vocabulary';

export const REFERENCE_GRAPH = `${DATA}graph/reference`;
const HAS_VERSION = 'http://purl.org/dc/terms/hasVersion';

export interface ReferenceGraph {
  ntriples: string;
  /** SHA-256 of the Turtle file: the version a store holds, stated in the graph itself. */
  version: string;
}

/** Reads and converts the file once (per worker); ensureReferenceGraph then costs one ASK per run. */
export async function readReferenceGraph(file: string): Promise<ReferenceGraph> {
  const turtle = await readFile(file, 'utf8');
  const version = createHash('sha256').update(turtle).digest('hex');
  const { namedNode, literal, quad } = DataFactory;
  const quads = new Parser({ format: 'text/turtle' }).parse(turtle);
  quads.push(quad(namedNode(REFERENCE_GRAPH), namedNode(HAS_VERSION), literal(version)));
  return { ntriples: new Writer({ format: 'N-Triples' }).quadsToString(quads), version };
}

/** Loads the reference graph unless the store already holds this version of it. */
export async function ensureReferenceGraph(graph: GraphStore, reference: ReferenceGraph): Promise<void> {
  const current = await graph.ask(
    `ASK { GRAPH ${graphIriRef(REFERENCE_GRAPH)} { ${graphIriRef(REFERENCE_GRAPH)} <${HAS_VERSION}> ${JSON.stringify(reference.version)} } }`,
  );
  if (!current) await graph.replaceGraph(REFERENCE_GRAPH, [reference.ntriples]);
}
