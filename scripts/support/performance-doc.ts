// docs/performance.md from the results of `npm run bench`: the machine, then one table per part.
import type { AnalysisSizeResult } from './analysis-bench';
import type { Measurement } from './measure';
import type { RenderBenchResult } from './render-bench';

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
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const s = (m: Measurement) => m.medianSeconds.toFixed(2);
const table = (head: string[], rows: string[][]) =>
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
  r.results.map((x) => [n(x.lines), n(x.triples), n(x.parse.linesPerSecond), n(x.parseAndMap.linesPerSecond), s(x.loadOxigraph), s(x.loadRdf4j), n(x.peakRssMiB)]),
)}

## Analysis: one company-month from CSV to findings.json (embedded oxigraph)

Parse and load into the staging graph; data quality (derivation, SHACL over the suspect lines, account totals,
promotion); tax rules (context months, derivation, SHACL over the derived facts, metrics, figures, findings.json).
The last columns compare the rule engine with rdf-validate-shacl over every triple of the month.

${table(
  ['lines', 'parse+load', 'data quality', 'tax rules', 'CSV → findings.json', 'findings', 'rule engine', 'naive SHACL', 'engine ÷ naive'],
  r.analysis.map((a) => [n(a.lines), s(a.parseAndLoad), s(a.dataQuality), s(a.taxRules), s(a.total), n(a.findings), s(a.ruleEngine), s(a.naiveShacl), a.ruleEngineToNaiveRatio.toFixed(3)]),
)}

## PDF rendering (Debian Chromium, JavaScript off, network blocked)

Report of ${r.render.companyId} ${r.render.period}: ${r.render.pages} A4 pages, ${n(r.render.pdfKiB)} KiB. Cold: a new renderer
(Chromium launch and the first render) ${s(r.render.cold)} s; warm: one render from the pool ${s(r.render.warm)} s.

${table(
  ['pool pages', 'reports', 'seconds', 'reports/min'],
  r.render.throughput.map((t) => [String(t.poolPages), String(t.reports), t.seconds.toFixed(2), n(t.reportsPerMinute)]),
)}
`;
}
