// The embedded store's quad bound (lib/graph/quad-budget.ts) in `npm run bench`: ledger months written as the pipeline
// writes them (a staging load, then MOVE into the month's graph) into a persisted OxigraphStore until it refuses one;
// then a compaction of the full store. Resident memory per quad held, at the bound and at the compaction's peak; the
// journal's cost per write; the compaction's time and how long it held the event loop.
//
// It runs in a child process of its own: oxigraph's WASM memory never shrinks, so in the bench's process the earlier
// parts' loads would hide its growth, and its peak would be counted as theirs. The child gets --expose-gc so RSS can
// be read without garbage; the code forces a GC only when it is available.
import { fork } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isValidBizRegNo } from '../lib/erp/biz-reg-no';
import { loadChart } from '../lib/erp/chart';
import { loadCompany } from '../lib/erp/company';
import { parseLedger } from '../lib/erp/parse-ledger';
import { graphIriRef } from '../lib/graph/graph-sparql';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { DEFAULT_MAX_QUADS, EmbeddedGraphFullError } from '../lib/graph/quad-budget';
import { ledgerGraphIri, stagingGraphIri } from '../lib/rdf/iris';
import { ledgerToNTriples } from '../lib/rdf/map-ledger';
import { secondsSince, summarize } from './measure';
import { writeSyntheticCompany } from '../dev/synthetic-ledger';

export interface EmbeddedBoundOptions {
  /** The store's limit, GRAPH_EMBEDDED_MAX_QUADS. */
  maxQuads: number;
  linesPerCompany: number;
}

export interface EmbeddedBoundResult extends EmbeddedBoundOptions {
  defaultMaxQuads: number;
  /** One company-month: its N-Triples, and the quads of it the month's graph keeps. */
  month: { ntriplesBytes: number; quads: number };
  /** Company-months written before the store refused one, and the quads it then held (removed ones included). */
  monthsWritten: number;
  quadsHeld: number;
  refusal: string;
  /** Whether RSS was read right after a forced GC. */
  gcForced: boolean;
  rssBaseMiB: number;
  rssAtBoundMiB: number;
  /** (RSS at the bound − RSS before the store) ÷ quads held. */
  rssBytesPerQuad: number;
  /** One month's write: staging load and MOVE, journal fsync included; compactions the store ran on the way included. */
  write: { medianMs: number; meanMs: number; slowestMs: number; journalBytes: number };
  compactionsDuringFill: number;
  fillSeconds: number;
  /** A compaction forced at the bound. */
  compaction: { seconds: number; maxLoopDelayMs: number; p99LoopDelayMs: number; liveQuads: number; snapshotMiB: number };
  /** The child process's peak, the compaction's two stores side by side included. */
  peakRssMiB: number;
}

const PERIODS = ['2024-01', '2024-02', '2024-03'];
/** The company id the months are mapped for, replaced by each company's own in the text. */
const TEMPLATE_COMPANY = 'boundzz0000';
/** As long as TEMPLATE_COMPANY, so every month's text, and its journal record, is the same size. */
const companyId = (index: number) => `bound${String(index).padStart(6, '0')}`;
const STANDARD_CHART = resolve(__dirname, '../ontology/accounts.csv');
const LOOP_DELAY_RESOLUTION_MS = 10;
const mib = (bytes: number) => bytes / 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs the measurement in a fresh child process (see above) and returns its result. */
export function benchEmbeddedBound(opts: EmbeddedBoundOptions): Promise<EmbeddedBoundResult> {
  const child = fork(__filename, [JSON.stringify(opts)], { execArgv: [...process.execArgv, '--expose-gc'] });
  return new Promise((resolvePromise, reject) => {
    let result: EmbeddedBoundResult | undefined;
    child.on('message', (message) => (result = message as EmbeddedBoundResult));
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolvePromise(result) : reject(new Error(`embedded bound bench exited with ${code}`))));
  });
}

/** A month's N-Triples per period, for TEMPLATE_COMPANY. */
async function monthTexts(dir: string, linesPerCompany: number): Promise<string[]> {
  const texts: string[] = [];
  for (const period of PERIODS) {
    const file = await writeSyntheticCompany(dir, TEMPLATE_COMPANY, period, linesPerCompany);
    const company = await loadCompany(dir, TEMPLATE_COMPANY);
    const chart = await loadChart(dir, TEMPLATE_COMPANY, STANDARD_CHART);
    let text = '';
    for await (const chunk of ledgerToNTriples(parseLedger(file, { period }), {
      company,
      period,
      chart,
      bizRegNoValid: isValidBizRegNo(company.bizRegNo),
    }))
      text += chunk;
    texts.push(text);
  }
  return texts;
}

const rss = () => {
  gc?.();
  return process.memoryUsage().rss;
};

async function measureEmbeddedBound(opts: EmbeddedBoundOptions): Promise<EmbeddedBoundResult> {
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-embedded-bound-'));
  try {
    const texts = await monthTexts(dir, opts.linesPerCompany);
    const persistFile = join(dir, 'graph', 'graph.nq');
    const journalFile = `${persistFile}.journal`;
    let compactions = 0;
    const log = { info: (details: { event?: string }) => void (details.event === 'graph_compacted' && compactions++), warn: () => {} };
    const rssBase = rss();
    // Only the quad bound compacts while filling, as it would with a journal far below the snapshot's size.
    const store = new OxigraphStore({ persistFile, maxQuads: opts.maxQuads, log, compactJournalBytes: Number.MAX_SAFE_INTEGER });
    const writeSeconds: number[] = [];
    const journalBytes: number[] = [];
    let refusal: EmbeddedGraphFullError | undefined;
    const fillStart = performance.now();
    while (!refusal) {
      const company = companyId(writeSeconds.length / PERIODS.length);
      for (const [i, period] of PERIODS.entries()) {
        const [journalBefore, compactionsBefore, started] = [(await stat(journalFile)).size, compactions, performance.now()];
        try {
          await store.replaceGraph(stagingGraphIri(company, period), [texts[i]!.replaceAll(TEMPLATE_COMPANY, company)]);
          await store.update(`MOVE ${graphIriRef(stagingGraphIri(company, period))} TO ${graphIriRef(ledgerGraphIri(company, period))}`);
        } catch (err) {
          if (!(err instanceof EmbeddedGraphFullError)) throw err;
          refusal = err;
          break;
        }
        writeSeconds.push(secondsSince(started));
        // A compaction starts the journal again, so only writes without one show their own size.
        if (compactions === compactionsBefore) journalBytes.push((await stat(journalFile)).size - journalBefore);
      }
    }
    const fillSeconds = secondsSince(fillStart);
    const quadsHeld = store.quadsHeld;
    const rssAtBound = rss();
    const monthQuads = await store.countTriples(ledgerGraphIri(companyId(0), PERIODS[0]!));

    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    loopDelay.enable();
    const compactionStart = performance.now();
    // The store compacts when it decides to; the bench forces one at the bound, the largest it can be.
    await (store as unknown as { compact(): Promise<void> }).compact();
    const compactionSeconds = secondsSince(compactionStart);
    loopDelay.disable();
    const liveQuads = store.quadsHeld;
    await store.close();

    const writes = summarize(writeSeconds);
    return {
      ...opts,
      defaultMaxQuads: DEFAULT_MAX_QUADS,
      month: { ntriplesBytes: Buffer.byteLength(texts[0]!), quads: monthQuads },
      monthsWritten: writeSeconds.length,
      quadsHeld,
      refusal: refusal.message,
      gcForced: gc !== undefined,
      rssBaseMiB: mib(rssBase),
      rssAtBoundMiB: mib(rssAtBound),
      rssBytesPerQuad: (rssAtBound - rssBase) / quadsHeld,
      write: {
        medianMs: writes.medianSeconds * 1000,
        meanMs: (fillSeconds / writeSeconds.length) * 1000,
        slowestMs: Math.max(...writeSeconds) * 1000,
        journalBytes: summarize(journalBytes).medianSeconds, // summarize() takes any unit: these are bytes
      },
      compactionsDuringFill: compactions,
      fillSeconds,
      compaction: {
        seconds: compactionSeconds,
        maxLoopDelayMs: loopDelay.max / 1e6,
        p99LoopDelayMs: loopDelay.percentile(99) / 1e6,
        liveQuads,
        snapshotMiB: mib((await stat(persistFile)).size),
      },
      peakRssMiB: mib(process.resourceUsage().maxRSS * 1024), // maxRSS is in KiB
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Table = (head: string[], rows: string[][]) => string;

/** The section of docs/performance.md. */
export function embeddedBoundMarkdown(r: EmbeddedBoundResult, table: Table): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const kib = (bytes: number) => `${n(bytes / 1024)} KiB`;
  const limit = r.maxQuads === r.defaultMaxQuads ? 'at the default limit' : `limited to ${n(r.maxQuads)} quads`;
  return `## The embedded store's bound (GRAPH_EMBEDDED_MAX_QUADS)

The embedded oxigraph store holds every quad written in memory until it compacts, removed ones included, and refuses
a write that would take it past GRAPH_EMBEDDED_MAX_QUADS (default ${n(r.defaultMaxQuads)}). Company-months of ${n(r.linesPerCompany)} lines
(${kib(r.month.ntriplesBytes)} of N-Triples, ${n(r.month.quads)} quads kept) were written as the pipeline writes them, a staging load
and a MOVE into the month's graph, into a persisted store ${limit}, until it refused one
(bench/embedded-bound-bench.ts, in a process of its own). RSS ${r.gcForced ? 'was read after a forced GC' : 'was read without forcing a GC (no --expose-gc), so it includes garbage not yet collected'}.

${table(
  ['limit', 'company-months written', 'quads held', 'RSS before', 'RSS at the bound', 'RSS per quad held', 'peak RSS'],
  [
    [
      n(r.maxQuads),
      n(r.monthsWritten),
      n(r.quadsHeld),
      `${n(r.rssBaseMiB)} MiB`,
      `${n(r.rssAtBoundMiB)} MiB`,
      `${n(r.rssBytesPerQuad)} B`,
      `${n(r.peakRssMiB)} MiB`,
    ],
  ],
)}

RSS at the bound includes what the ${n(r.compactionsDuringFill)} compactions on the way left: each built the new store beside the old
one, and WASM memory never shrinks. The refused write failed with \`EmbeddedGraphFullError\`:

> ${r.refusal}

A month's write (load, MOVE, journal fsync) took ${n(r.write.medianMs)} ms (median; mean ${n(r.write.meanMs)} ms and slowest ${n(r.write.slowestMs)} ms
with those compactions) and appended ${kib(r.write.journalBytes)} to the journal for
the month's ${kib(r.month.ntriplesBytes)} of N-Triples: a write costs its own size on disk, not the store's. A compaction forced at
the bound copied ${n(r.compaction.liveQuads)} live quads into a fresh store and a ${n(r.compaction.snapshotMiB)} MiB snapshot in
${r.compaction.seconds.toFixed(1)} s, a graph per turn of the event loop, which it held for at most ${n(r.compaction.maxLoopDelayMs)} ms at a time (p99
${n(r.compaction.p99LoopDelayMs)} ms).
`;
}

if (require.main === module) {
  measureEmbeddedBound(JSON.parse(process.argv[2]!) as EmbeddedBoundOptions).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
