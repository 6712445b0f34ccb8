// `npm run bench`: ETL throughput on synthetic one-month ledgers of 5,000 and 100,000 lines: parsing, parsing
// plus mapping to N-Triples, and loading the month's graph into OxigraphStore and into a real RDF4J server
// (needs .tools/rdf4j, see scripts/provision-rdf4j.sh); then the embedded store written to its quad limit, in a process
// of its own (bench/embedded-bound-bench.ts); then, for months of 1,000, 5,000 and 50,000 lines, the analysis
// from CSV to findings.json and the rule engine against naive SHACL over the lines (bench/analysis-bench.ts);
// then the PDF render of a fixture company's report, cold, warm and through the page pool (bench/render-bench.ts);
// then the tokens of the compact LLM prompt against a naive one over the fixtures (bench/prompt-tokens.ts);
// then a month of 1,000 companies through the embedded stack (bench/scale-bench.ts; `-- --scale-companies N`),
// and the batch workflow's own state at 1,000 and 10,000 companies (bench/batch-state-bench.ts);
// then encryption at rest, the audit log and console sign-in (bench/security-bench.ts);
// then the month on the chart's production topology at 250, 1,000 and 2,500 companies (bench/topology-bench.ts;
// `-- --topology-companies 250,1000`); then a 100,000-line month parsed from .xlsx and from CSV
// (bench/excel-parse-bench.ts); then the console's month overview at 1,000 companies
// (bench/month-page-bench.ts); then questions asked of the knowledge graph at 1,000 companies, embedded and on RDF4J
// (bench/ask-bench.ts). `-- --only topology,embedded-bound,excel-parse,month-page,ask` runs those parts (any of them)
// alone and merges them into the last full run's results.
// Each figure is the median of 3 runs; results are printed and written to bench/results.json and docs/performance.md.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { loadConfig } from '../lib/config';
import { isValidBizRegNo } from '../lib/erp/biz-reg-no';
import { loadChart } from '../lib/erp/chart';
import { loadCompany } from '../lib/erp/company';
import { parseLedger } from '../lib/erp/parse-ledger';
import type { GraphStore } from '../lib/graph/graph-store';
import { HttpGraphStore } from '../lib/graph/http-graph-store';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { DEFAULT_MAX_QUADS } from '../lib/graph/quad-budget';
import { ledgerGraphIri } from '../lib/rdf/iris';
import { ledgerToNTriples, type LedgerMappingContext } from '../lib/rdf/map-ledger';
import { startRdf4jServer } from '../dev/servers/rdf4j-server';
import { analysisTableRows, benchAnalysis, type AnalysisSizeResult } from './analysis-bench';
import { performanceMarkdown, table, type BenchReport as CoreReport, type SizeResult } from './performance-doc';
import { promptTokenRows, summarizePromptTokens } from './prompt-tokens';
import { benchBatchState } from './batch-state-bench';
import { benchScale, type ScaleBenchOptions } from './scale-bench';
import { benchRender, renderTableRows, type RenderBenchResult } from './render-bench';
import { benchSecurity } from './security-bench';
import { benchTopology, type TopologyBenchOptions, type TopologyBenchResult } from './topology-bench';
import { benchEmbeddedBound, type EmbeddedBoundOptions, type EmbeddedBoundResult } from './embedded-bound-bench';
import { benchExcelParse, type ExcelParseOptions } from './excel-parse-bench';
import { benchMonthPage, monthPageMarkdown, type MonthPageBenchOptions, type MonthPageBenchResult } from './month-page-bench';
import { askMarkdown, benchAsk, type AskBenchOptions, type AskBenchResult } from './ask-bench';
import { measure as measureRuns, type Measurement } from './measure';
import { writeSyntheticCompany } from '../dev/synthetic-ledger';

const SIZES = [5_000, 100_000];
const ANALYSIS_SIZES = [1_000, 5_000, 50_000];
const RUNS = 3;
const PERIOD = '2024-01';
const ROOT = resolve(__dirname, '..');
const STANDARD_CHART = join(ROOT, 'ontology/accounts.csv');
const SHAPES_DIR = join(ROOT, 'shapes');
const RESULTS_FILE = join(ROOT, 'bench/results.json');
const PERFORMANCE_DOC = join(ROOT, 'docs/performance.md');
// startRdf4jServer caps the JVM at 512 MiB, which one 100,000-line month (a single transaction) exceeds.
const RDF4J_HEAP = '4g';
const FIXTURE_LEDGERS = join(ROOT, 'test/fixtures/ledgers');
const RENDER_POOLS = [1, 2, 4];
const BATCH_STATE_SIZES = [1_000, 10_000];
const RENDER_BATCH = 12;
/** A large month, so the cost of sealing and opening a whole ledger in memory shows. */
const SECURITY_LEDGER_LINES = 100_000;
/**
 * A month of 1,000 small companies, the LLM answering after 2 s, with the defaults: 16 company workflows and 16 LLM
 * calls per worker at once, 2 render pages (one per core); the queue's rate raised to 50/s (a provider tier's limit).
 */
const SCALE: ScaleBenchOptions = {
  companies: 1000,
  linesPerCompany: 150,
  llmLatencyMs: 2000,
  batchConcurrency: 16,
  llmConcurrency: 16,
  llmRatePerSecond: 50,
  renderPages: 2,
};

/** The embedded run's month and model on the production shape; RDF4J's heap as a small GraphDB would have it. */
const TOPOLOGY: Omit<TopologyBenchOptions, 'companies'> = {
  linesPerCompany: SCALE.linesPerCompany,
  llmLatencyMs: SCALE.llmLatencyMs,
  llmRatePerSecond: SCALE.llmRatePerSecond,
  rdf4jHeap: '2g',
};
const TOPOLOGY_SIZES = [250, 1_000, 2_500];

/** The embedded run's companies, up to the default limit: about 1,000 company-months, 3 minutes on 2 cores. */
const EMBEDDED_BOUND: EmbeddedBoundOptions = { maxQuads: DEFAULT_MAX_QUADS, linesPerCompany: SCALE.linesPerCompany };

/** A large month, as in the ETL table above, from .xlsx beside CSV. */
const EXCEL_PARSE: ExcelParseOptions = { lines: 100_000, runs: RUNS };

/** The month page over the render part's fixture month, cloned to 1,000 companies: 30 timed requests after 3 warm-ups. */
const MONTH_PAGE: MonthPageBenchOptions = {
  companies: 1_000,
  warmups: 3,
  requests: 30,
  fixtureDir: FIXTURE_LEDGERS,
  fixtureCompany: 'c02-누리',
  period: '2024-06',
};

/**
 * The fixture firm's graph cloned to 1,000 companies; 15 questions, 5 timed rounds after 1 warm-up, per store and
 * asker. RDF4J's memory store: the native one takes over ten minutes to load the firm's 25,000 graphs one by one.
 * Graphs are written one at a time: with 4 concurrent PUTs the memory store (RDF4J 5.0.3) now and then listed a
 * graph that held none of its triples.
 */
const ASK: AskBenchOptions = {
  companies: 1_000,
  warmups: 1,
  rounds: 5,
  standardChart: STANDARD_CHART,
  rdf4jHeap: RDF4J_HEAP,
  rdf4jStore: 'memory',
  loadConcurrency: 1,
};

/** The console's month overview and asking the graph are written after the other parts (absent from results written before they were measured). */
type BenchReport = CoreReport & { monthPage?: MonthPageBenchResult; ask?: AskBenchResult };

const ARGS = parseArgs({
  options: { 'scale-companies': { type: 'string' }, 'topology-companies': { type: 'string' }, only: { type: 'string' } },
}).values;

/** One month per size, smallest first, each on a fresh stack. */
async function benchTopologySizes(): Promise<TopologyBenchResult[]> {
  const sizes = ARGS['topology-companies']?.split(',').map(Number) ?? TOPOLOGY_SIZES;
  const runs: TopologyBenchResult[] = [];
  for (const companies of sizes) {
    console.log(`benchmarking the production topology with ${companies.toLocaleString('en-US')} companies …`);
    runs.push(await benchTopology({ ...TOPOLOGY, companies }));
  }
  return runs;
}

/** The parts `--only` runs alone, merged into the last full run's results. */
const PARTIAL_RUNS = {
  topology: async () => ({ topology: { timestamp: new Date().toISOString(), runs: await benchTopologySizes() } }),
  'embedded-bound': async () => ({ embeddedBound: await benchEmbeddedBoundPart() }),
  'excel-parse': async () => ({ excelParse: await benchExcelParsePart() }),
  'month-page': async () => ({ monthPage: await benchMonthPage(MONTH_PAGE) }),
  ask: async () => ({ ask: await benchAskPart() }),
} satisfies Record<string, () => Promise<Partial<BenchReport>>>;

async function benchEmbeddedBoundPart() {
  console.log(`writing company-months into the embedded store until its limit of ${EMBEDDED_BOUND.maxQuads.toLocaleString('en-US')} quads …`);
  return benchEmbeddedBound(EMBEDDED_BOUND);
}

async function benchAskPart() {
  console.log(`asking the knowledge graph at ${ASK.companies.toLocaleString('en-US')} companies …`);
  return benchAsk(ASK);
}

async function benchExcelParsePart() {
  console.log(`parsing a ${EXCEL_PARSE.lines.toLocaleString('en-US')}-line month from .xlsx and from CSV …`);
  return benchExcelParse(EXCEL_PARSE);
}

const readPreviousReport = async (): Promise<BenchReport> =>
  JSON.parse(
    await readFile(RESULTS_FILE, 'utf8').catch(() => {
      throw new Error(`--only updates ${RESULTS_FILE}: run the whole bench once first`);
    }),
  ) as BenchReport;

/**
 * Runs the named parts and merges them into bench/results.json: read first to fail before the parts run, and again
 * once they are done, so what another partial run wrote meanwhile is kept.
 */
async function runPartial(only: string): Promise<void> {
  const parts = only.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => !Object.hasOwn(PARTIAL_RUNS, part));
  if (unknown.length > 0) {
    throw new Error(`--only: parts that run alone are ${Object.keys(PARTIAL_RUNS).join(', ')} (comma-separated), got ${JSON.stringify(only)}`);
  }
  await readPreviousReport();
  let update: Partial<BenchReport> = {};
  for (const part of parts) update = { ...update, ...(await PARTIAL_RUNS[part as keyof typeof PARTIAL_RUNS]()) };
  await writeReport({ ...(await readPreviousReport()), ...update });
}

async function writeReport(report: BenchReport): Promise<void> {
  await mkdir(resolve(RESULTS_FILE, '..'), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    PERFORMANCE_DOC,
    performanceMarkdown(report) +
      (report.monthPage ? `\n${monthPageMarkdown(report.monthPage, table)}` : '') +
      (report.ask ? `\n${askMarkdown(report.ask, table)}` : ''),
  );
  console.log(`wrote ${RESULTS_FILE} and ${PERFORMANCE_DOC}`);
}

/** Times `run` RUNS times; `prepare` runs untimed before each. */
const measure = (run: () => Promise<void>, prepare?: () => Promise<void>) => measureRuns(RUNS, run, prepare);

const mib = (bytes: number) => bytes / 2 ** 20;
const peakRssMiB = () => mib(process.resourceUsage().maxRSS * 1024); // maxRSS is in KiB

/** Times loading a month's N-Triples into an emptied graph; returns the triples the store then holds. */
async function timedLoad(store: GraphStore, graph: string, chunks: string[]) {
  const measurement = await measure(
    () => store.replaceGraph(graph, chunks),
    () => store.dropGraph(graph),
  );
  const triples = await store.countTriples(graph);
  await store.dropGraph(graph);
  return { measurement, triples };
}

/** Parses and maps the month; the text is kept only when `keep` is given, so timing sees no extra memory. */
async function mapLedger(file: string, ctx: LedgerMappingContext, keep?: string[]) {
  let statements = 0;
  let bytes = 0;
  for await (const chunk of ledgerToNTriples(parseLedger(file, { period: ctx.period }), ctx)) {
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) statements++; // one per line
    bytes += Buffer.byteLength(chunk);
    keep?.push(chunk);
  }
  return { statements, bytes };
}

async function benchSize(dataDir: string, lineCount: number, rdf4j: GraphStore): Promise<SizeResult> {
  const companyId = `bench-${lineCount}`;
  const file = await writeSyntheticCompany(dataDir, companyId, PERIOD, lineCount);
  const company = await loadCompany(dataDir, companyId);
  const chart = await loadChart(dataDir, companyId, STANDARD_CHART);
  const ctx: LedgerMappingContext = { company, period: PERIOD, chart, bizRegNoValid: isValidBizRegNo(company.bizRegNo) };
  const graph = ledgerGraphIri(companyId, PERIOD);

  const parse = await measure(async () => {
    let lines = 0;
    for await (const _ of parseLedger(file, { period: PERIOD })) lines++;
    if (lines !== lineCount) throw new Error(`parsed ${lines} lines, expected ${lineCount}`);
  });
  const parseAndMap = await measure(async () => void (await mapLedger(file, ctx)));
  // Both stores load the same text, produced once outside the timings.
  const chunks: string[] = [];
  const { statements, bytes } = await mapLedger(file, ctx, chunks);

  const oxigraph = new OxigraphStore();
  const embedded = await timedLoad(oxigraph, graph, chunks);
  await oxigraph.close();
  const remote = await timedLoad(rdf4j, graph, chunks);
  // The mapping repeats a counterparty's triples on each of its lines; a store keeps them once.
  if (embedded.triples !== remote.triples || embedded.triples === 0) {
    throw new Error(`Oxigraph holds ${embedded.triples} triples, RDF4J ${remote.triples}`);
  }

  const perSecond = (m: Measurement) => ({ ...m, linesPerSecond: lineCount / m.medianSeconds });
  return {
    lines: lineCount,
    statements,
    triples: embedded.triples,
    ntriplesMiB: mib(bytes),
    parse: perSecond(parse),
    parseAndMap: perSecond(parseAndMap),
    loadOxigraph: embedded.measurement,
    loadRdf4j: remote.measurement,
    peakRssMiB: peakRssMiB(),
  };
}

function printTable(results: SizeResult[]): void {
  const rows = results.map((r) => ({
    lines: r.lines.toLocaleString('en-US'),
    'parse lines/s': Math.round(r.parse.linesPerSecond).toLocaleString('en-US'),
    'parse+map lines/s': Math.round(r.parseAndMap.linesPerSecond).toLocaleString('en-US'),
    'N-Triples stmts': r.statements.toLocaleString('en-US'),
    'distinct triples': r.triples.toLocaleString('en-US'),
    'N-Triples MiB': r.ntriplesMiB.toFixed(1),
    'Oxigraph load s': r.loadOxigraph.medianSeconds.toFixed(2),
    'RDF4J load s': r.loadRdf4j.medianSeconds.toFixed(2),
    'peak RSS MiB': r.peakRssMiB.toFixed(0),
  }));
  console.table(rows);
}

async function main(): Promise<void> {
  if (ARGS.only !== undefined) return runPartial(ARGS.only);
  const dataDir = await mkdtemp(join(os.tmpdir(), 'bench-ledgers-'));
  const results: SizeResult[] = [];
  let analysis: AnalysisSizeResult[];
  let render: RenderBenchResult;
  let embeddedBound: EmbeddedBoundResult;
  try {
    const server = await startRdf4jServer({ heap: RDF4J_HEAP });
    const rdf4j = new HttpGraphStore({ repositoryUrl: server.repositoryUrl, timeoutMs: 600_000 });
    try {
      for (const size of SIZES) {
        console.log(`benchmarking ${size.toLocaleString('en-US')} lines …`);
        results.push(await benchSize(dataDir, size, rdf4j));
      }
    } finally {
      await rdf4j.close();
      await server.stop();
    }
    // With the RDF4J JVM gone, so that it takes no memory or CPU from these runs.
    embeddedBound = await benchEmbeddedBoundPart();
    analysis = await benchAnalysis({
      dataDir,
      sizes: ANALYSIS_SIZES,
      runs: RUNS,
      period: PERIOD,
      standardChart: STANDARD_CHART,
      shapesDir: SHAPES_DIR,
    });
    console.log('benchmarking PDF rendering …');
    render = await benchRender({
      dataDir: FIXTURE_LEDGERS,
      companyId: 'c02-누리',
      period: '2024-06',
      chromiumPath: loadConfig().CHROMIUM_PATH,
      runs: RUNS,
      poolSizes: RENDER_POOLS,
      batch: RENDER_BATCH,
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log('measuring LLM prompt tokens over the fixtures …');
  const prompts = summarizePromptTokens(await promptTokenRows(FIXTURE_LEDGERS));
  const companies = Number(ARGS['scale-companies'] ?? SCALE.companies);
  console.log(`benchmarking a month of ${companies.toLocaleString('en-US')} companies …`);
  const scale = await benchScale({ ...SCALE, companies });
  console.log("measuring the batch workflow's state at 1,000 and 10,000 companies …");
  const batchState = [];
  for (const size of BATCH_STATE_SIZES) batchState.push(await benchBatchState(size));
  console.log('benchmarking encryption at rest, the audit log and console sign-in …');
  const security = await benchSecurity({ runs: RUNS, ledgerLines: SECURITY_LEDGER_LINES, pdfBytes: Math.round(render.pdfKiB * 1024) });
  const topology = { timestamp: new Date().toISOString(), runs: await benchTopologySizes() };
  const excelParse = await benchExcelParsePart();
  const monthPage = await benchMonthPage(MONTH_PAGE);
  const ask = await benchAskPart();
  printTable(results);
  console.table(analysisTableRows(analysis));
  console.table(renderTableRows(render));
  console.table({ naive: prompts.naive, compact: prompts.compact });
  console.log(`prompt token saving ${(prompts.saving * 100).toFixed(1)}% (min ${(prompts.minSaving * 100).toFixed(1)}% per month)`);
  const cpus = os.cpus();
  const report: BenchReport = {
    timestamp: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model,
      totalMemoryMiB: Math.round(mib(os.totalmem())),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      rdf4jHeap: RDF4J_HEAP,
    },
    runsPerMeasurement: RUNS,
    results,
    analysis,
    render,
    prompts,
    scale,
    batchState,
    security,
    embeddedBound,
    topology,
    excelParse,
    monthPage,
    ask,
  };
  await writeReport(report);
}

// An interrupted run still ends what it started: the topology's pods are killed on exit (pod-process.ts).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
