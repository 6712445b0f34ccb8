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
 * (run with Promise.all) held the loop for 41 s at once. Large months belong on GraphDB (GRAPHDB_URL), where a query
 * is just I/O here.
 *
 * Persistence (persistFile): an N-Quads snapshot plus a journal beside it (`<persistFile>.journal`,
 * oxigraph-journal.ts). Every write appends what it applied (the slices it loaded, its SPARQL update) and resolves once
 * that is fsynced, so a write costs its own size on disk; start-up loads the snapshot and replays the journal, dropping
 * a torn last record and any write that had not finished. A snapshot from before the journal (plain N-Quads) loads as
 * it is. Once the journal outgrows the snapshot (and COMPACT_MIN_JOURNAL_BYTES), the next write first compacts.
 *
 * Memory (quad-budget.ts): oxigraph's in-memory store keeps every quad written until it is rebuilt, removed ones
 * included, at about 255 bytes of RSS each. The store counts them as it writes (slice lines; the size of a graph a
 * MOVE/COPY/ADD copies) and refuses a write past maxQuads (GRAPH_EMBEDDED_MAX_QUADS) with EmbeddedGraphFullError,
 * which points at GRAPHDB_URL. Compaction rebuilds: the live quads, graph by graph, into a fresh store (and the new
 * snapshot), which then replaces the old one, so removed quads stop counting; a write near the limit compacts first
 * once enough is known removed (whole graphs dropped or moved away). The old and the new store live side by side
 * while it runs, and WASM memory never shrinks: measured, 1.5 GiB RSS at the default limit of 3 million quads.
 * While the store compacts, writes wait and reads go on; each graph's copy is one step (a ledger month of 150 lines
 * ~5 ms; a graph of 3 million quads would not fit a JavaScript string and fails the compaction, which then keeps the
 * old snapshot and journal). Blank nodes shared between graphs (the pipeline writes none) would come apart in a rebuild.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Store, defaultGraph, namedNode, type DefaultGraph, type NamedNode, type Term } from 'oxigraph';
import type { GraphCallOptions, GraphStore, RdfTerm, SelectRow } from './graph-store';
import { countGraphTriples, graphHasTriples, graphIriRef } from './graph-sparql';
import { triplesToQuads } from './graph-nquads';
import { JournalAppender, readJournal, resetJournal, type JournalRecord } from './oxigraph-journal';
import { SnapshotWriter, UNNAMED_SNAPSHOT, loadSnapshot } from './oxigraph-snapshot';
import { DEFAULT_MAX_QUADS, QuadBudget, graphEffect, statementCount } from './quad-budget';

/** What start-up and compaction report (a torn journal tail, a compaction); pino's signature. */
export interface OxigraphStoreLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface OxigraphStoreOptions {
  /** N-Quads snapshot loaded at start, with its journal `<persistFile>.journal`, so a restart keeps the graph. */
  persistFile?: string;
  /** Quads the store may hold in memory, removed ones included until it compacts; default DEFAULT_MAX_QUADS. */
  maxQuads?: number;
  /** The journal is compacted only past this size (and past the snapshot's); tests lower it. */
  compactJournalBytes?: number;
  /** Defaults to process warnings for `warn`, nothing for `info`. */
  log?: OxigraphStoreLog;
}

const NTRIPLES = 'application/n-triples';
/** ~1,700 statements of a ledger month: about 0.1 s of loading into a store that already holds millions. */
const LOAD_SLICE_CHARS = 256 * 1024;
/** Below this the journal replays in a few seconds, so compacting would cost more than it saves. */
const COMPACT_MIN_JOURNAL_BYTES = 64 * 2 ** 20;
const PROCESS_WARNINGS: OxigraphStoreLog = {
  info: () => {},
  warn: (details, message) => process.emitWarning(`${message} ${JSON.stringify(details)}`),
};

export class OxigraphStore implements GraphStore {
  /** Replaced by each compaction (a rebuild). */
  private store = new Store();
  private readonly persistFile: string | undefined;
  private journal: JournalAppender | undefined;
  private snapshotBytes = 0;
  private readonly budget: QuadBudget;
  private readonly compactJournalBytes: number;
  private readonly log: OxigraphStoreLog;
  /** Writes under way; a compaction starts when they are done, and new ones wait for it. */
  private writers = 0;
  private writersDone: (() => void) | undefined;
  private compaction: Promise<void> | undefined;
  /** Set when the journal could not be started again after a compaction: no later write would be durable. */
  private writeFailure: Error | undefined;
  /** The last synchronous step queued (settled, never rejected). */
  private lastStep: Promise<void> = Promise.resolve();

  constructor(options: OxigraphStoreOptions = {}) {
    this.budget = new QuadBudget(options.maxQuads ?? DEFAULT_MAX_QUADS);
    this.compactJournalBytes = options.compactJournalBytes ?? COMPACT_MIN_JOURNAL_BYTES;
    this.log = options.log ?? PROCESS_WARNINGS;
    this.persistFile = options.persistFile;
    if (this.persistFile) this.journal = this.restore(this.persistFile);
  }

  /** Quads held in memory (removed ones included until the next compaction), as counted for maxQuads. */
  get quadsHeld(): number {
    return this.budget.held;
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
    await this.write(() => this.step(options, () => this.applyUpdate(update)));
  }

  async replaceGraph(graphIri: string, ntriples: AsyncIterable<string> | Iterable<string>, options?: GraphCallOptions): Promise<void> {
    const targetRef = graphIriRef(graphIri);
    await this.write(async () => {
      // Complete lines are loaded as they arrive (a month never sits in memory as one string). An empty target
      // (a staging graph, a first load) is filled in place, and emptied again on error or abort; otherwise the lines
      // go into a scratch graph swapped in with one MOVE, so on any error the old content stays. MOVE copies every
      // quad in this store, so skipping it halves the time of a first load.
      const inPlace = !(await graphHasTriples(this, graphIri, options));
      const into = inPlace ? namedNode(graphIri) : namedNode(`urn:uuid:${randomUUID()}`);
      // The journal's records of this write count only with its commit record (a crash before it drops them).
      const tx = randomUUID();
      let pending = '';
      try {
        for await (const chunk of ntriples) {
          pending += chunk;
          const end = pending.lastIndexOf('\n') + 1;
          if (end > 0) {
            await this.loadInSlices(pending.slice(0, end), into, options, tx);
            pending = pending.slice(end);
          }
        }
        if (pending.trim() !== '') await this.loadInSlices(pending, into, options, tx);
        if (!inPlace) await this.step(options, () => this.applyUpdate(`MOVE SILENT GRAPH ${graphIriRef(into.value)} TO GRAPH ${targetRef}`, tx));
        this.journal?.append({ op: 'commit', tx });
      } catch (err) {
        this.store.update(`DROP SILENT GRAPH ${graphIriRef(into.value)}`);
        this.journal?.append({ op: 'abort', tx });
        throw err;
      }
    });
  }

  async dropGraph(graphIri: string, options?: GraphCallOptions): Promise<void> {
    const drop = `DROP SILENT GRAPH ${graphIriRef(graphIri)}`;
    await this.write(() => this.step(options, () => this.applyUpdate(drop)));
  }

  countTriples(graphIri: string, options?: GraphCallOptions): Promise<number> {
    return countGraphTriples(this, graphIri, options);
  }

  async close(): Promise<void> {
    // A failed write or compaction was already reported to the write that caused it, or logged.
    await this.compaction;
    await this.journal?.close();
  }

  /**
   * `lenient` skips oxigraph's re-validation of IRIs and literals, which doubles load time: the callers pass
   * N-Triples that n3's Writer serialized from terms built by lib/rdf (checked IRIs, escaped literals) or that a
   * store's own CONSTRUCT or dump produced. A syntax error is still an error.
   */
  private static loadNTriples(store: Store, text: string, graph: NamedNode | DefaultGraph): void {
    store.load(text, { format: NTRIPLES, to_graph_name: graph, lenient: true });
  }

  /**
   * Complete lines, in slices cut at line ends, one step each, counted against the limit and journaled as part of
   * `tx`. oxigraph scopes blank node labels to one load, so text with blank nodes (`_:`, e.g. a CONSTRUCT's answer)
   * is loaded as one piece.
   */
  private async loadInSlices(text: string, graph: NamedNode, options: GraphCallOptions | undefined, tx: string): Promise<void> {
    for (const slice of text.includes('_:') ? [text] : lineSlices(text)) {
      await this.step(options, () => {
        const quads = statementCount(slice);
        this.budget.check(quads);
        OxigraphStore.loadNTriples(this.store, slice, graph);
        this.budget.add(quads);
        this.journal?.append({ op: 'load', tx, graph: graph.value, text: slice });
      });
    }
  }

  /** One SPARQL update, counted against the limit and journaled (on its own, or as a step of `tx`). */
  private applyUpdate(sparql: string, tx?: string): void {
    const { written, removed } = this.countEffect(sparql);
    this.budget.check(written);
    this.store.update(sparql);
    this.budget.add(written);
    this.budget.removed(removed);
    this.journal?.append(tx ? { op: 'update', tx, sparql } : { op: 'update', sparql });
  }

  /** Quads a whole-graph update writes and removes (see graphEffect), counted in the graphs it names: O(those graphs). */
  private countEffect(sparql: string): { written: number; removed: number } {
    const effect = graphEffect(sparql);
    const sizeOf = (graphs: string[]) => graphs.reduce((sum, graph) => sum + this.countNow(graph), 0);
    return { written: sizeOf(effect.written), removed: sizeOf(effect.removed) };
  }

  private countNow(graphIri: string): number {
    const [row] = this.store.query(`SELECT (COUNT(*) AS ?n) WHERE { GRAPH ${graphIriRef(graphIri)} { ?s ?p ?o } }`) as Map<string, Term>[];
    return Number(row?.get('n')?.value ?? 0);
  }

  /**
   * Runs a write: first a compaction if one is due (near the quad limit, or a journal grown past the snapshot), or
   * the one under way; then `work`; resolves once its journal records are on disk.
   */
  private async write(work: () => Promise<unknown>): Promise<void> {
    if (this.budget.wantsRebuild || this.journalWantsCompaction()) await this.compact();
    while (this.compaction) await this.compaction;
    if (this.writeFailure) throw this.writeFailure;
    this.writers++;
    try {
      await work();
      await this.journal?.flush();
    } finally {
      if (--this.writers === 0) this.writersDone?.();
    }
  }

  private journalWantsCompaction(): boolean {
    return this.journal !== undefined && this.journal.bytes > Math.max(this.compactJournalBytes, this.snapshotBytes);
  }

  private compact(): Promise<void> {
    this.compaction ??= this.rebuild().finally(() => (this.compaction = undefined));
    return this.compaction;
  }

  /**
   * Copies the live quads, a graph a step, into a fresh store and (persisting) a new snapshot, then swaps both in and
   * starts the journal again. Writes wait meanwhile, so the copy is of one state; reads go on, on the old store. On a
   * failure before the new snapshot is in place, the old store, snapshot and journal stay as they were.
   */
  private async rebuild(): Promise<void> {
    if (this.writers > 0) await new Promise<void>((resolve) => (this.writersDone = resolve));
    this.writersDone = undefined;
    const started = performance.now();
    const journalBytes = this.journal?.bytes ?? 0;
    const fresh = new Store();
    let snapshot: SnapshotWriter | undefined;
    let live = 0;
    try {
      snapshot = this.persistFile ? await SnapshotWriter.create(this.persistFile) : undefined;
      for (const graph of await this.step(undefined, () => graphsOf(this.store))) {
        const text = await this.step(undefined, () => this.store.dump({ format: NTRIPLES, from_graph_name: graph }));
        live += statementCount(text);
        for (const slice of text.includes('_:') ? [text] : lineSlices(text)) {
          await this.step(undefined, () => OxigraphStore.loadNTriples(fresh, slice, graph));
        }
        if (!snapshot) continue;
        if (graph.termType === 'DefaultGraph') await snapshot.append(text);
        else for await (const quads of triplesToQuads(lineSlices(text), graph.value)) await snapshot.append(quads);
      }
      await snapshot?.commit();
    } catch (err) {
      await snapshot?.discard();
      release(fresh);
      this.log.warn(
        { event: 'graph_compaction_failed', error: (err as Error).message },
        'embedded graph store: compaction failed; kept the old snapshot and journal',
      );
      return;
    }
    if (this.journal && this.persistFile && snapshot) {
      await this.journal.close();
      try {
        this.journal = new JournalAppender(journalFileOf(this.persistFile), resetJournal(journalFileOf(this.persistFile), snapshot.id));
      } catch (err) {
        // The new snapshot is in place and names a journal that could not be written: later writes would be lost.
        this.writeFailure = new Error(`embedded graph store: could not start a new journal after compacting: ${(err as Error).message}`, {
          cause: err,
        });
      }
      this.snapshotBytes = snapshot.bytes;
    }
    const old = this.store;
    this.store = fresh;
    release(old);
    const heldBefore = this.budget.held;
    this.budget.rebuilt(live);
    this.log.info(
      {
        event: 'graph_compacted',
        quads_before: heldBefore,
        quads: live,
        journal_bytes: journalBytes,
        snapshot_bytes: this.snapshotBytes,
        duration_ms: Math.round(performance.now() - started),
      },
      'embedded graph store compacted',
    );
  }

  /** Start-up: the snapshot, then its journal; returns the journal to append to. Synchronous, like the old load. */
  private restore(persistFile: string): JournalAppender {
    mkdirSync(dirname(persistFile), { recursive: true });
    const snapshot = loadSnapshot(persistFile, this.store);
    this.snapshotBytes = snapshot?.bytes ?? 0;
    // One full count, here only: afterwards the count is kept as the store writes.
    this.budget.rebuilt(this.store.size);
    const journalFile = journalFileOf(persistFile);
    const snapshotId = snapshot?.id ?? UNNAMED_SNAPSHOT;
    const kept = existsSync(journalFile) ? this.replay(journalFile, snapshotId) : undefined;
    if (this.budget.held > this.budget.limit) {
      this.log.warn(
        { event: 'graph_over_limit', quads: this.budget.held, max_quads: this.budget.limit },
        'embedded graph store: the persisted graph is past GRAPH_EMBEDDED_MAX_QUADS; writes will be refused',
      );
    }
    const journal = new JournalAppender(journalFile, kept?.bytes ?? resetJournal(journalFile, snapshotId));
    // So the next start does not find them unfinished again.
    for (const tx of kept?.unfinished ?? []) journal.append({ op: 'abort', tx });
    return journal;
  }

  /**
   * Applies the journal's committed writes; returns its size and the writes it dropped as unfinished, or undefined when
   * it belongs to another snapshot (a crash between a compaction's new snapshot and its new journal: the snapshot
   * already holds it).
   */
  private replay(journalFile: string, snapshotId: string): { bytes: number; unfinished: string[] } | undefined {
    let base: string | undefined;
    /** Writes begun and not yet committed or aborted, with the graphs they loaded into. */
    const open = new Map<string, Set<string>>();
    const dropGraphsOf = (tx: string) => {
      for (const graph of open.get(tx) ?? []) this.store.update(`DROP SILENT GRAPH ${graphIriRef(graph)}`);
      open.delete(tx);
    };
    const { validBytes, droppedBytes } = readJournal(journalFile, (record: JournalRecord) => {
      base ??= record.op === 'base' ? record.snapshot : '';
      if (base !== snapshotId) return;
      switch (record.op) {
        case 'load': {
          const quads = statementCount(record.text);
          OxigraphStore.loadNTriples(this.store, record.text, namedNode(record.graph));
          this.budget.add(quads);
          open.set(record.tx, (open.get(record.tx) ?? new Set()).add(record.graph));
          break;
        }
        case 'update': {
          const { written, removed } = this.countEffect(record.sparql);
          this.store.update(record.sparql);
          this.budget.add(written);
          this.budget.removed(removed);
          break;
        }
        case 'commit':
          open.delete(record.tx);
          break;
        case 'abort':
          dropGraphsOf(record.tx);
          break;
      }
    });
    if (droppedBytes > 0) {
      this.log.warn(
        { event: 'graph_journal_torn', file: journalFile, kept_bytes: validBytes, dropped_bytes: droppedBytes },
        'embedded graph store: dropped a torn or corrupt journal tail (a crash mid-write)',
      );
    }
    const unfinished = [...open.keys()];
    if (unfinished.length > 0) {
      this.log.warn(
        { event: 'graph_journal_unfinished', writes: unfinished.length },
        'embedded graph store: dropped writes the journal holds no commit for (a crash mid-write)',
      );
      for (const tx of unfinished) dropGraphsOf(tx);
    }
    if (base === snapshotId) return { bytes: validBytes, unfinished };
    this.log.info(
      { event: 'graph_journal_stale', file: journalFile },
      'embedded graph store: the journal was already in the snapshot; starting a new one',
    );
    return undefined;
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

  async listGraphs(options?: GraphCallOptions): Promise<string[]> {
    const rows = await this.select('SELECT ?g WHERE { GRAPH ?g {} FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }', options);
    return rows.map((row) => row.g!.value);
  }

  /** The graph is dumped in one step (it is in memory already), then handed out in slices. */
  async *exportGraph(graphIri: string, options?: GraphCallOptions): AsyncGenerator<string> {
    const text = await this.step(options, () => this.store.dump({ format: NTRIPLES, from_graph_name: namedNode(graphIri) }));
    function* slices() {
      for (let at = 0; at < text.length; at += LOAD_SLICE_CHARS) yield text.slice(at, at + LOAD_SLICE_CHARS);
    }
    yield* triplesToQuads(slices(), graphIri);
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

const journalFileOf = (persistFile: string) => `${persistFile}.journal`;

/** wasm-bindgen's free(), missing from oxigraph's typings: the store's memory goes back to the WASM heap now, not at GC. */
function release(store: Store): void {
  (store as Store & { free(): void }).free();
}

/** The default graph and every named graph. */
function graphsOf(store: Store): (NamedNode | DefaultGraph)[] {
  const rows = store.query('SELECT ?g WHERE { GRAPH ?g {} }') as Map<string, Term>[];
  return [defaultGraph(), ...rows.map((row) => row.get('g') as NamedNode)];
}

/** Complete lines in slices of about LOAD_SLICE_CHARS, cut at line ends (a longer line is a slice of its own). */
function* lineSlices(text: string): Generator<string> {
  for (let start = 0; start < text.length;) {
    let end = text.length;
    if (start + LOAD_SLICE_CHARS < text.length) {
      end = text.lastIndexOf('\n', start + LOAD_SLICE_CHARS) + 1;
      if (end <= start) end = text.indexOf('\n', start + LOAD_SLICE_CHARS) + 1 || text.length;
    }
    yield text.slice(start, end);
    start = end;
  }
}
