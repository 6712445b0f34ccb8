/** Embedded GraphStore on oxigraph's in-memory (WASM) store, optionally mirrored to an N-Quads file. */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Store, namedNode, type NamedNode, type Term } from 'oxigraph';
import type { GraphStore, RdfTerm, SelectRow } from './graph-store';
import { countGraphTriples, graphHasTriples, graphIriRef } from './graph-sparql';

export interface OxigraphStoreOptions {
  /** N-Quads file loaded at start and rewritten after every mutation, so a restart keeps the graph. */
  persistFile?: string;
}

const NQUADS = 'application/n-quads';
const NTRIPLES = 'application/n-triples';

export class OxigraphStore implements GraphStore {
  private readonly store = new Store();
  private readonly persistFile: string | undefined;
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(options: OxigraphStoreOptions = {}) {
    this.persistFile = options.persistFile;
    if (this.persistFile) {
      mkdirSync(dirname(this.persistFile), { recursive: true });
      const saved = readIfExists(this.persistFile);
      if (saved) this.store.load(saved, { format: NQUADS });
    }
  }

  async select(query: string): Promise<SelectRow[]> {
    const result = this.store.query(query);
    if (!Array.isArray(result) || result.some((row) => !(row instanceof Map))) {
      throw new TypeError('select() needs a SELECT query');
    }
    return (result as Map<string, Term>[]).map((row) => {
      const out: SelectRow = {};
      for (const [name, term] of row) out[name] = toRdfTerm(term);
      return out;
    });
  }

  async ask(query: string): Promise<boolean> {
    const result = this.store.query(query);
    if (typeof result !== 'boolean') throw new TypeError('ask() needs an ASK query');
    return result;
  }

  async construct(query: string): Promise<string> {
    // oxigraph refuses an RDF format for SELECT/ASK results, so only graph queries get through.
    return this.store.query(query, { results_format: NTRIPLES }) as string;
  }

  async update(update: string): Promise<void> {
    this.store.update(update);
    await this.persist();
  }

  async replaceGraph(graphIri: string, ntriples: AsyncIterable<string> | Iterable<string>): Promise<void> {
    const targetRef = graphIriRef(graphIri);
    // Complete lines are loaded as they arrive (a month never sits in memory as one string). An empty target
    // (a staging graph, a first load) is filled in place, and emptied again on error; otherwise the lines go
    // into a scratch graph swapped in with one MOVE, so on any error the old content stays. MOVE copies every
    // quad in this store, so skipping it halves the time of a first load.
    const inPlace = !(await graphHasTriples(this, graphIri));
    const into = inPlace ? namedNode(graphIri) : namedNode(`urn:uuid:${randomUUID()}`);
    let pending = '';
    try {
      for await (const chunk of ntriples) {
        pending += chunk;
        const end = pending.lastIndexOf('\n') + 1;
        if (end > 0) {
          this.loadNTriples(pending.slice(0, end), into);
          pending = pending.slice(end);
        }
      }
      if (pending.trim() !== '') this.loadNTriples(pending, into);
    } catch (err) {
      this.store.update(`DROP SILENT GRAPH ${graphIriRef(into.value)}`);
      throw err;
    }
    if (!inPlace) this.store.update(`MOVE SILENT GRAPH ${graphIriRef(into.value)} TO GRAPH ${targetRef}`);
    await this.persist();
  }

  async dropGraph(graphIri: string): Promise<void> {
    this.store.update(`DROP SILENT GRAPH ${graphIriRef(graphIri)}`);
    await this.persist();
  }

  countTriples(graphIri: string): Promise<number> {
    return countGraphTriples(this, graphIri);
  }

  async close(): Promise<void> {
    // A failed write was already reported to the mutation that caused it.
    await this.lastWrite.catch(() => {});
  }

  /**
   * `lenient` skips oxigraph's re-validation of IRIs and literals, which doubles load time: the callers pass
   * N-Triples that n3's Writer serialized from terms built by lib/rdf (checked IRIs, escaped literals) or that a
   * store's own CONSTRUCT produced. A syntax error is still an error.
   */
  private loadNTriples(text: string, graph: NamedNode): void {
    this.store.load(text, { format: NTRIPLES, to_graph_name: graph, lenient: true });
  }

  private persist(): Promise<void> {
    const file = this.persistFile;
    if (!file) return Promise.resolve();
    // Writes are chained so they land in call order, and each dumps the store when it runs,
    // so the file always ends up holding the latest state.
    const write = this.lastWrite
      .catch(() => {})
      .then(() => writeFileAtomically(file, this.store.dump({ format: NQUADS })));
    this.lastWrite = write;
    return write;
  }
}

function toRdfTerm(term: Term): RdfTerm {
  switch (term.termType) {
    case 'NamedNode':
    case 'BlankNode':
      return { termType: term.termType, value: term.value };
    case 'Literal':
      return term.language
        ? { termType: 'Literal', value: term.value, datatype: term.datatype.value, language: term.language }
        : { termType: 'Literal', value: term.value, datatype: term.datatype.value };
    default:
      throw new TypeError(`unsupported term type in SELECT result: ${term.termType}`);
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Temp file + fsync + rename: a crash leaves either the old or the new file, never half of one. */
async function writeFileAtomically(file: string, data: string): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
