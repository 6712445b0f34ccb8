// docs/performance.md from the results of `npm run bench`: the machine, then one table per part.
import type { AnalysisSizeResult } from './analysis-bench';
import type { Measurement } from './measure';
import type { PromptTokenSummary } from './prompt-tokens';
import type { RenderBenchResult } from './render-bench';
import type { BatchStateResult } from './batch-state-bench';
import type { ScaleBenchResult } from './scale-bench';
import { topologyMarkdown, type TopologyBenchResult } from './topology-bench';
import { securityMarkdown, type SecurityBenchResult } from './security-bench';
import { embeddedBoundMarkdown, type EmbeddedBoundResult } from './embedded-bound-bench';
import { excelParseMarkdown, type ExcelParseResult } from './excel-parse-bench';
import { BATCH_PAGE_SIZE } from '../workflows/monthly-report-batch';

/** The ETL figures of one month size. */
export interface SizeResult {
  lines: number;
  /** N-Triples statements the mapping produced, and distinct triples among them (what a store holds). */
  statements: number;
  triples: number;
  ntriplesMiB: number;
  parse: Measurement & { linesPerSecond: number };
  parseAndMap: Measurement & { linesPerSecond: number };
  loadOxigraph: Measurement;
  loadRdf4j: Measurement;
  /** Peak resident set of this process so far (the RDF4J JVM not included). */
  peakRssMiB: number;
}

export interface BenchReport {
  timestamp: string;
  machine: { cpus: number; cpuModel?: string; totalMemoryMiB: number; platform: string; node: string; rdf4jHeap: string };
  runsPerMeasurement: number;
  results: SizeResult[];
  analysis: AnalysisSizeResult[];
  render: RenderBenchResult;
  prompts: PromptTokenSummary;
  scale: ScaleBenchResult;
  /** The batch's own cost at firm sizes, over company runs that only report back. */
  batchState: BatchStateResult[];
  security: SecurityBenchResult;
  /** The embedded store filled to its quad limit (absent from results written before it was measured). */
  embeddedBound?: EmbeddedBoundResult;
  /** The month on the chart's production shape (absent from results written before it was measured). */
  topology?: { timestamp: string; runs: TopologyBenchResult[] };
  /** A month parsed from .xlsx and from CSV (absent from results written before it was measured). */
  excelParse?: ExcelParseResult;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const s = (m: Measurement) => m.medianSeconds.toFixed(2);
export const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function performanceMarkdown(r: BenchReport): string {
  const m = r.machine;
  return `# Performance

Written by \`npm run bench\` (${r.timestamp}); every figure is the median of ${r.runsPerMeasurement} runs, in seconds
unless it says otherwise. Tests never assert on these numbers.

Machine: ${m.cpus} × ${m.cpuModel ?? 'unknown CPU'}, ${n(m.totalMemoryMiB)} MiB, ${m.platform}, Node ${m.node};
RDF4J Server with a ${m.rdf4jHeap} heap.

## ETL: parse, map to RDF, load one month

${table(
  ['lines', 'triples', 'parse lines/s', 'parse+map lines/s', 'oxigraph load', 'RDF4J load', 'peak RSS MiB'],
  r.results.map((x) => [
    n(x.lines),
    n(x.triples),
    n(x.parse.linesPerSecond),
    n(x.parseAndMap.linesPerSecond),
    s(x.loadOxigraph),
    s(x.loadRdf4j),
    n(x.peakRssMiB),
  ]),
)}
${r.embeddedBound ? `\n${embeddedBoundMarkdown(r.embeddedBound, table)}` : ''}${r.excelParse ? `\n${excelParseMarkdown(r.excelParse, table)}` : ''}
## Analysis: one company-month from CSV to findings.json (embedded oxigraph)

Parse and load into the staging graph; data quality (derivation, SHACL over the suspect lines, account totals,
promotion); tax rules (context months, derivation, SHACL over the derived facts, metrics, figures, findings.json).
The last columns compare the rule engine with rdf-validate-shacl over every triple of the month.

${table(
  ['lines', 'parse+load', 'data quality', 'tax rules', 'CSV → findings.json', 'findings', 'rule engine', 'naive SHACL', 'engine ÷ naive'],
  r.analysis.map((a) => [
    n(a.lines),
    s(a.parseAndLoad),
    s(a.dataQuality),
    s(a.taxRules),
    s(a.total),
    n(a.findings),
    s(a.ruleEngine),
    s(a.naiveShacl),
    a.ruleEngineToNaiveRatio.toFixed(3),
  ]),
)}

## PDF rendering (Debian Chromium, JavaScript off, network blocked)

Report of ${r.render.companyId} ${r.render.period}: ${r.render.pages} A4 pages, ${n(r.render.pdfKiB)} KiB. Cold: a new renderer
(Chromium launch and the first render) ${s(r.render.cold)} s; warm: one render from the pool ${s(r.render.warm)} s.

${table(
  ['pool pages', 'reports', 'seconds', 'reports/min'],
  r.render.throughput.map((t) => [String(t.poolPages), String(t.reports), t.seconds.toFixed(2), n(t.reportsPerMinute)]),
)}

## LLM prompt size (js-tiktoken o200k_base, system + user message)

The insights prompt of every fixture company-month (${r.prompts.months} months): the compact, versioned prompt
(findings, the metrics they need, their articles and earlier months' findings) against a naive one carrying the
whole findings document and the month's ledger lines.

${table(
  ['prompt', 'tokens, all months', 'per month (median)', 'per month (max)'],
  [
    ['naive', n(r.prompts.naive.total), n(r.prompts.naive.median), n(r.prompts.naive.max)],
    ['compact', n(r.prompts.compact.total), n(r.prompts.compact.median), n(r.prompts.compact.max)],
  ],
)}

Saving: ${(r.prompts.saving * 100).toFixed(1)}% overall, at least ${(r.prompts.minSaving * 100).toFixed(1)}% in every month.

## A month of ${n(r.scale.companies)} companies (embedded stack, LLM answering after ${n(r.scale.llmLatencyMs)} ms)

Generated companies of ${n(r.scale.linesPerCompany)} journal lines each, one \`monthlyReportBatch\` on a Temporal dev server, one
worker process (all three task queues, embedded oxigraph, outbox mail, real Chromium with ${r.scale.renderPages} pages) and a
local OpenAI-compatible server that answers every call after ${n(r.scale.llmLatencyMs)} ms. ${r.scale.batchConcurrency} company
workflows at a time; LLM activities ${r.scale.llmConcurrency} per worker, at most ${r.scale.llmRatePerSecond}/s on the queue.

${table(
  ['companies', 'succeeded', 'failed', 'wall time', 'reports/min', 'LLM calls', 'peak RSS MiB'],
  [
    [
      n(r.scale.companies),
      n(r.scale.succeeded),
      n(r.scale.failed),
      `${(r.scale.wallSeconds / 60).toFixed(1)} min`,
      r.scale.reportsPerMinute.toFixed(1),
      n(r.scale.llmCalls),
      n(r.scale.peakRssMiB),
    ],
  ],
)}

History sizes: the batch ran as ${r.scale.batchRuns} runs (continue-as-new every ${BATCH_PAGE_SIZE} started companies), the
longest with ${n(r.scale.maxBatchRunEvents)} events (Temporal warns at 10,240); a company's run has ${n(r.scale.companyRunEvents.median)} events
(max ${n(r.scale.companyRunEvents.max)}).

### The batch's own state as the firm grows

The real \`monthlyReportBatch\` over company runs that only report back (bench/batch-state-bench.ts), window of
100: what the sliding window carries from run to run (a cursor, counters, the window's ids, capped lists) and each run's
history. Neither grows with the number of companies; \`test/integration/batch-scale.test.ts\` asserts the bounds at 10,000.

${table(
  ['companies', 'runs', 'largest continue-as-new input', 'largest run history', 'events', 'wall time'],
  r.batchState.map((b) => [
    n(b.companies),
    n(b.runs),
    `${n(b.largestInputBytes)} B`,
    `${n(Math.round(b.largestHistoryBytes / 1024))} KiB`,
    n(b.largestHistoryEvents),
    `${b.seconds.toFixed(0)} s`,
  ]),
)}

Mean seconds of one activity per step, under this load (queueing for a render page or an LLM slot included):
${Object.entries(r.scale.stepMeanSeconds)
  .map(([step, seconds]) => `${step} ${seconds.toFixed(2)} s`)
  .join(', ')}.

${securityMarkdown(r.security, table)}
${r.topology ? `\n${topologyMarkdown(r.topology, r.scale, table)}` : ''}`;
}
