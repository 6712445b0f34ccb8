// The topology part of `npm run bench`: the scheduled month on the chart's production shape (each role its own
// process, RDF4J Server with a native store behind Basic auth, S3-compatible storage, SMTP, PostgreSQL,
// encryption on; dev/topology/), at several sizes. Per size: wall time from the trigger to the batch's end,
// reports per minute, each pod's peak resident memory (its whole process tree: Chromium counts to render), and
// RDF4J's heap in use (jstat) and data directory on disk at the end.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTopology, triggerSchedule, WORKLOADS, type Topology, type Workload } from '../dev/topology/topology-stack';
import { type MonthlyReportBatchResult } from '../lib/temporal-contract';

export interface TopologyBenchOptions {
  companies: number;
  linesPerCompany: number;
  llmLatencyMs: number;
  llmRatePerSecond: number;
  rdf4jHeap: string;
}

export interface TopologyBenchResult extends TopologyBenchOptions {
  period: string;
  wallSeconds: number;
  reportsPerMinute: number;
  succeeded: number;
  failed: number;
  peakRssMiB: Record<Workload, number>;
  rdf4j: { peakHeapUsedMiB: number; diskMiB: number; peakRssMiB: number };
}

const SAMPLE_MS = 1_000;
/** jstat starts a JVM of its own (~0.3 s of CPU): sampled rarely, so the measurement does not load the machine. */
const HEAP_SAMPLE_MS = 15_000;
const PAGE_BYTES = 4096;
const mib = (bytes: number) => bytes / 2 ** 20;

/** Resident bytes of `root` and all its descendants (a pod: Chromium runs in process groups of its own), from /proc. */
function treeRss(root: number): number {
  const procs = new Map<number, { ppid: number; rss: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command's closing parenthesis: state ppid pgrp …; rss is the 22nd of them.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(entry), { ppid: Number(fields[1]), rss: Number(fields[21]) * PAGE_BYTES });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && procs.has(pid) && inTree(procs.get(pid)!.ppid));
  let total = 0;
  for (const [pid, { rss }] of procs) if (inTree(pid)) total += rss;
  return total;
}

function processRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Heap in use of a JVM: survivor, eden and old generation used (jstat -gc, KiB). */
async function jvmHeapUsed(pid: number): Promise<number> {
  const { stdout } = await promisify(execFile)('jstat', ['-gc', String(pid)], { encoding: 'utf8' });
  const [header, values] = stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const at = (name: string) => Number(values![header!.indexOf(name)]);
  return (at('S0U') + at('S1U') + at('EU') + at('OU')) * 1024;
}

function diskBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const full = path.join(dir, e.name);
    return sum + (e.isDirectory() ? diskBytes(full) : statSync(full).size);
  }, 0);
}

/** Peaks of the pods' and RDF4J's memory, sampled every second (the heap every HEAP_SAMPLE_MS) until `stop()`. */
function samplePeaks(t: Topology) {
  const peaks = { pods: Object.fromEntries(WORKLOADS.map((w) => [w, 0])) as Record<Workload, number>, rdf4jRss: 0, rdf4jHeap: 0 };
  const sampleRss = () => {
    for (const w of WORKLOADS) peaks.pods[w] = Math.max(peaks.pods[w], treeRss(t.pods[w].pid));
    peaks.rdf4jRss = Math.max(peaks.rdf4jRss, processRss(t.services.rdf4j.pid));
  };
  const sampleHeap = async () => {
    peaks.rdf4jHeap = Math.max(peaks.rdf4jHeap, await jvmHeapUsed(t.services.rdf4j.pid));
  };
  const timers = [setInterval(sampleRss, SAMPLE_MS), setInterval(() => void sampleHeap(), HEAP_SAMPLE_MS)];
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      sampleRss();
      await sampleHeap();
      return peaks;
    },
  };
}

export async function benchTopology(opts: TopologyBenchOptions): Promise<TopologyBenchResult> {
  const t = await startTopology({
    companies: opts.companies,
    linesPerCompany: opts.linesPerCompany,
    llmLatencyMs: opts.llmLatencyMs,
    rdf4jHeap: opts.rdf4jHeap,
    rdf4jStore: 'native',
    // The embedded run's tunables (scale-bench.ts), so the two shapes are compared on the same settings.
    overlays: [{ config: { LLM_MAX_ACTIVITIES_PER_SECOND: opts.llmRatePerSecond, LOG_LEVEL: 'warn' } }],
  });
  try {
    const peaks = samplePeaks(t);
    const started = performance.now();
    const batchId = await triggerSchedule(t);
    const result = (await t.client.workflow.getHandle(batchId).result()) as MonthlyReportBatchResult;
    const wallSeconds = (performance.now() - started) / 1000;
    const { pods, rdf4jRss, rdf4jHeap } = await peaks.stop();
    return {
      ...opts,
      period: t.period,
      wallSeconds,
      reportsPerMinute: (result.counts.succeeded / wallSeconds) * 60,
      succeeded: result.counts.succeeded,
      failed: result.counts.failed,
      peakRssMiB: Object.fromEntries(WORKLOADS.map((w) => [w, mib(pods[w])])) as Record<Workload, number>,
      rdf4j: { peakHeapUsedMiB: mib(rdf4jHeap), diskMiB: mib(diskBytes(t.services.rdf4j.dataDir)), peakRssMiB: mib(rdf4jRss) },
    };
  } finally {
    await t.stop();
  }
}

type Table = (head: string[], rows: string[][]) => string;

/** The section of docs/performance.md; `embedded` is the one-process run of scale-bench.ts for comparison. */
export function topologyMarkdown(
  t: { timestamp: string; runs: TopologyBenchResult[] },
  embedded: { companies: number; reportsPerMinute: number; peakRssMiB: number },
  table: Table,
): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const first = t.runs[0];
  if (!first) return '';
  return `## The month on the production topology (${t.timestamp})

The chart's shape (bench/topology-bench.ts over dev/topology/): orchestration, llm, render and the
console each a process of its own with its manifest's environment, volumes and user; RDF4J Server (native store,
${first.rdf4jHeap} heap) as GraphDB behind Basic auth; reports sealed in an S3-compatible bucket; SMTP; the audit log in
PostgreSQL; the scheduled batch triggered with \`temporal schedule trigger\`. Companies of ${n(first.linesPerCompany)} lines, the
model answering after ${n(first.llmLatencyMs)} ms, the chart's defaults otherwise (16 company workflows at a time, 2 render
pages) with the LLM queue's rate at ${first.llmRatePerSecond}/s as in the embedded run. Peak resident memory is each pod's whole
process tree (Chromium's processes count to render); RDF4J's heap is what the JVM had in use (jstat), its disk the
native store's directory at the end.

${table(
  [
    'companies',
    'succeeded',
    'failed',
    'wall time',
    'reports/min',
    'orchestration MiB',
    'llm MiB',
    'render MiB',
    'console MiB',
    'RDF4J heap used MiB',
    'RDF4J RSS MiB',
    'RDF4J disk MiB',
  ],
  t.runs.map((r) => [
    n(r.companies),
    n(r.succeeded),
    n(r.failed),
    `${(r.wallSeconds / 60).toFixed(1)} min`,
    r.reportsPerMinute.toFixed(1),
    n(r.peakRssMiB.orchestration),
    n(r.peakRssMiB.llm),
    n(r.peakRssMiB.render),
    n(r.peakRssMiB.console),
    n(r.rdf4j.peakHeapUsedMiB),
    n(r.rdf4j.peakRssMiB),
    r.rdf4j.diskMiB.toFixed(1),
  ]),
)}

For comparison, the embedded stack above (one process, oxigraph in memory): ${n(embedded.companies)} companies at
${embedded.reportsPerMinute.toFixed(1)} reports/min with a peak of ${n(embedded.peakRssMiB)} MiB in that one process.
`;
}
