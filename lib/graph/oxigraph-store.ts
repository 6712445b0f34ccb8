/**
 * Embedded GraphStore on oxigraph's in-memory (WASM) store, optionally mirrored to an N-Quads file.
 *
 * oxigraph runs every query, update and load synchronously on the event loop. Nothing else of the process runs
 * meanwhile: no timer (an activity's heartbeat), no I/O, no cancellation. So the synchronous steps take turns
 * (`step`): one at a time, each in a turn of the event loop of its own, after checking its call's signal; and loads
 * are cut into slices of about LOAD_SLICE_CHARS, a step each: a load never holds the loop for longer than one slice
 * (~0.1-0.3 s). A single query or update cannot be cut: it holds the loop for as long as it runs. Measured on a
 * 200,000-line month (2 vCPU, 2026-12): the data-quality CONSTRUCT 17 s (55 s with the machine busy) and the MOVE
 * that promotes the month 15-26 s, each in one piece; before the steps took turns, the check's three CONSTRUCTs
 * (run with Promise.all) held the loop for 41 s at once. With a persist file, every mutation also dumps the whole
 * store in one synchronous call. Large months belong on GraphDB (GRAPHDB_URL), where a query is just I/O here.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Store, namedNode, type NamedNode, type Term } from 'oxigraph';
import type { GraphCallOptions, GraphStore, RdfTerm, SelectRow } from './graph-store';
import { countGraphTriples, graphHasTriples, graphIriRef } from './graph-sparql';

export interface OxigraphStoreOptions {
  /** N-Quads file loaded at start and rewritten after every mutation, so a restart keeps the graph. */
  persistFile?: string;
}

const NQUADS = 'application/n-quads';
const NTRIPLES = 'application/n-triples';
/** ~1,700 statements of a ledger month: about 0.1 s of loading into a store that already holds millions. */
const LOAD_SLICE_CHARS = 256 * 1024;

export class OxigraphStore implements GraphStore {
  private readonly store = new Store();
  private readonly persistFile: string | undefined;
  private lastWrite: Promise<void> = Promise.resolve();
  /** The last synchronous step queued (settled, never rejected). */
  private lastStep: Promise<void> = Promise.resolve();

  constructor(options: OxigraphStoreOptions = {}) {
    this.persistFile = options.persistFile;
    if (this.persistFile) {
      mkdirSync(dirname(this.persistFile), { recursive: true });
      const saved = readIfExists(this.persistFile);
      if (saved) this.store.load(saved, { format: NQUADS });
    }
  }

  async select(query: string, options?: GraphCallOptions): Promise<SelectRow[]> {
    const result = await this.step(options, () => this.store.query(query));
    if (!Array.isArray(result) || result.some((row) => !(row instanceof Map))) {
      throw new TypeError('select() needs a SELECT query');
    }
    return (result as Map<string, Term>[]).map((row) => {
      const out: SelectRow = {};
      for (const [name, term] of row) out[name] = toRdfTerm(term);
      return out;
    });
  }

  async ask(query: string, options?: GraphCallOptions): Promise<boolean> {
    const result = await this.step(options, () => this.store.query(query));
    if (typeof result !== 'boolean') throw new TypeError('ask() needs an ASK query');
    return result;
  }

  async construct(query: string, options?: GraphCallOptions): Promise<string> {
    // oxigraph refuses an RDF format for SELECT/ASK results, so only graph queries get through.
    return (await this.step(options, () => this.store.query(query, { results_format: NTRIPLES }))) as string;
  }

  async update(update: string, options?: GraphCallOptions): Promise<void> {
    await this.step(options, () => this.store.update(update));
    await this.persist();
  }

  async replaceGraph(graphIri: string, ntriples: AsyncIterable<string> | Iterable<string>, options?: GraphCallOptions): Promise<void> {
    const targetRef = graphIriRef(graphIri);
    // Complete lines are loaded as they arrive (a month never sits in memory as one string). An empty target
    // (a staging graph, a first load) is filled in place, and emptied again on error or abort; otherwise the lines
    // go into a scratch graph swapped in with one MOVE, so on any error the old content stays. MOVE copies every
    // quad in this store, so skipping it halves the time of a first load.
    const inPlace = !(await graphHasTriples(this, graphIri, options));
    const into = inPlace ? namedNode(graphIri) : namedNode(`urn:uuid:${randomUUID()}`);
    let pending = '';
    try {
      for await (const chunk of ntriples) {
        pending += chunk;
        const end = pending.lastIndexOf('\n') + 1;
        if (end > 0) {
          await this.loadInSlices(pending.slice(0, end), into, options);
          pending = pending.slice(end);
        }
      }
      if (pending.trim() !== '') await this.loadInSlices(pending, into, options);
      if (!inPlace) await this.step(options, () => this.store.update(`MOVE SILENT GRAPH ${graphIriRef(into.value)} TO GRAPH ${targetRef}`));
    } catch (err) {
      this.store.update(`DROP SILENT GRAPH ${graphIriRef(into.value)}`);
      throw err;
    }
    await this.persist();
  }

  async dropGraph(graphIri: string, options?: GraphCallOptions): Promise<void> {
    await this.step(options, () => this.store.update(`DROP SILENT GRAPH ${graphIriRef(graphIri)}`));
    await this.persist();
  }

  countTriples(graphIri: string, options?: GraphCallOptions): Promise<number> {
    return countGraphTriples(this, graphIri, options);
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

  /**
   * Complete lines, in slices cut at line ends, one step each. oxigraph scopes blank node labels to one load, so
   * text with blank nodes (`_:`, e.g. a CONSTRUCT's answer) is loaded as one piece.
   */
  private async loadInSlices(text: string, graph: NamedNode, options: GraphCallOptions | undefined): Promise<void> {
    if (text.includes('_:')) {
      await this.step(options, () => this.loadNTriples(text, graph));
      return;
    }
    for (let start = 0; start < text.length; ) {
      let end = text.length;
      if (start + LOAD_SLICE_CHARS < text.length) {
        end = text.lastIndexOf('\n', start + LOAD_SLICE_CHARS) + 1;
        // A line longer than a slice: up to its end.
        if (end <= start) end = text.indexOf('\n', start + LOAD_SLICE_CHARS) + 1 || text.length;
      }
      const slice = text.slice(start, end);
      await this.step(options, () => this.loadNTriples(slice, graph));
      start = end;
    }
  }

  /**
   * Runs one synchronous oxigraph call when the previous one is done, in a later turn of the event loop (timers and
   * I/O run in between, even for calls made together), unless the call's signal has aborted by then: it then
   * rejects with the signal's reason, and the call never runs.
   */
  private step<T>(options: GraphCallOptions | undefined, call: () => T): Promise<T> {
    const run = this.lastStep.then(async () => {
      await nextTurn();
      options?.signal?.throwIfAborted();
      return call();
    });
    this.lastStep = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
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
