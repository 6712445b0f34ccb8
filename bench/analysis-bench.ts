// The analysis part of `npm run bench`: one synthetic company-month from its CSV to findings.json through the
// pipeline functions the activities and `npm run analyze` use, on an OxigraphStore:
//   parse + load    stageLedger (parse, map, write the staging graph)
//   data quality    checkAndPromote (derive + SHACL of shapes/data-quality.ttl over the month, MOVE)
//   tax rules       loadContextMonths + analyzeCompanyMonth (rules and metrics) + writing findings.json
// and, on the promoted month, the rule engine alone against the naive design it avoids: rdf-validate-shacl over
// every triple of the month's lines, against shapes/tax/rules.ttl and shapes/data-quality.ttl as plain SHACL.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import rdf from '@zazuko/env';
import { Parser } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { loadConfig } from '../lib/config';
import { loadCompany } from '../lib/erp/company';
import { graphIriRef } from '../lib/graph/graph-sparql';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { analyzeCompanyMonth, loadAnalysisDeps } from '../lib/pipeline/analyze-month';
import { checkAndPromote, loadContextMonths, stageLedger } from '../lib/pipeline/ledger-loading';
import { ledgerGraphIri } from '../lib/rdf/iris';
import { measure, secondsSince, summarize, type Measurement } from './measure';
import { writeSyntheticCompany } from '../dev/synthetic-ledger';

export interface AnalysisBenchOptions {
  /** Scratch data directory: companies/ and the findings.json files go under it. */
  dataDir: string;
  /** Journal lines of each company-month. */
  sizes: readonly number[];
  runs: number;
  period: string;
  standardChart: string;
  shapesDir: string;
}

export interface AnalysisSizeResult {
  lines: number;
  /** Triples of the promoted month graph. */
  triples: number;
  findings: number;
  parseAndLoad: Measurement;
  dataQuality: Measurement;
  taxRules: Measurement;
  /** CSV to findings.json: the three phases of each run. */
  total: Measurement;
  /** TaxRuleEngine.evaluate alone on the promoted month. */
  ruleEngine: Measurement;
  /** The month's triples read from the store and validated by rdf-validate-shacl against the two shape files. */
  naiveShacl: Measurement & { results: number };
  /** ruleEngine ÷ naiveShacl, of the medians. */
  ruleEngineToNaiveRatio: number;
}

export async function benchAnalysis(options: AnalysisBenchOptions): Promise<AnalysisSizeResult[]> {
  const results: AnalysisSizeResult[] = [];
  for (const lines of options.sizes) {
    console.log(`benchmarking analysis of ${lines.toLocaleString('en-US')} lines …`);
    results.push(await benchSize(options, lines));
  }
  return results;
}

async function benchSize(options: AnalysisBenchOptions, lineCount: number): Promise<AnalysisSizeResult> {
  const { dataDir, runs, period, shapesDir } = options;
  const companyId = `analysis-${lineCount}`;
  await writeSyntheticCompany(dataDir, companyId, period, lineCount);
  const config = loadConfig({ ERP_DATA_DIR: dataDir, STANDARD_CHART: options.standardChart, SHAPES_DIR: shapesDir });
  let graph = new OxigraphStore();
  // Shapes, rules and queries loaded once, as a worker does; each run gets a fresh store below.
  const shared = await loadAnalysisDeps(config, graph);
  const company = await loadCompany(dataDir, companyId);
  const findingsFile = join(dataDir, 'findings', companyId, period, 'findings.json');
  await mkdir(dirname(findingsFile), { recursive: true });

  const phases = { parseAndLoad: [] as number[], dataQuality: [] as number[], taxRules: [] as number[], total: [] as number[] };
  let findings = 0;
  for (let run = 0; run < runs; run++) {
    // Every run starts from an empty store, as a worker does for a company it has not seen.
    await graph.close();
    graph = new OxigraphStore();
    const deps = { ...shared, graph };

    const start = performance.now();
    const staged = await stageLedger(deps, companyId, period);
    const loaded = performance.now();
    const { outcome } = await checkAndPromote(deps, companyId, period);
    const checked = performance.now();
    if (!outcome.conforms || staged.lines !== lineCount) {
      throw new Error(`${companyId}: ${staged.lines} lines staged, ${outcome.violations.length} data-quality violations`);
    }
    await loadContextMonths(deps, company, period);
    const doc = await analyzeCompanyMonth(deps, company, period, outcome.warnings);
    await writeFile(findingsFile, `${JSON.stringify(doc, null, 2)}\n`);
    const end = performance.now();

    phases.parseAndLoad.push((loaded - start) / 1000);
    phases.dataQuality.push((checked - loaded) / 1000);
    phases.taxRules.push((end - checked) / 1000);
    phases.total.push(secondsSince(start));
    findings = doc.findings.length;
  }

  // The promoted month of the last run stays in the store for the comparison.
  const ledgerGraph = ledgerGraphIri(companyId, period);
  const ruleEngine = await measure(runs, async () => void (await shared.rules.evaluate(graph, { company, period })));
  const naive = await naiveShacl(shapesDir);
  let naiveResults = 0;
  const naiveMeasurement = await measure(runs, async () => {
    naiveResults = await naive(graph, ledgerGraph);
  });
  const triples = await graph.countTriples(ledgerGraph);
  await graph.close();

  return {
    lines: lineCount,
    triples,
    findings,
    parseAndLoad: summarize(phases.parseAndLoad),
    dataQuality: summarize(phases.dataQuality),
    taxRules: summarize(phases.taxRules),
    total: summarize(phases.total),
    ruleEngine,
    naiveShacl: { ...naiveMeasurement, results: naiveResults },
    ruleEngineToNaiveRatio: ruleEngine.medianSeconds / naiveMeasurement.medianSeconds,
  };
}

/**
 * The approach the design avoids: every triple of the month (each line with all its properties) handed to
 * rdf-validate-shacl with the tax and data-quality shapes as they are, nothing derived first. Resolves to the
 * number of validation results.
 */
async function naiveShacl(shapesDir: string) {
  const files = [join(shapesDir, 'tax/rules.ttl'), join(shapesDir, 'data-quality.ttl')];
  const quads = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).flatMap((text) => new Parser().parse(text));
  const shapes = rdf.dataset(quads);
  return async (store: OxigraphStore, ledgerGraph: string): Promise<number> => {
    const text = await store.construct(`CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ${graphIriRef(ledgerGraph)} { ?s ?p ?o } }`);
    const data = rdf.dataset(new Parser({ format: 'N-Triples' }).parse(text));
    const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data);
    return report.results.length;
  };
}

/** Rows of the printed table. */
export function analysisTableRows(results: readonly AnalysisSizeResult[]): Record<string, string>[] {
  const s = (m: Measurement) => m.medianSeconds.toFixed(2);
  return results.map((r) => ({
    lines: r.lines.toLocaleString('en-US'),
    'parse+load s': s(r.parseAndLoad),
    'data quality s': s(r.dataQuality),
    'tax rules s': s(r.taxRules),
    'CSV→findings s': s(r.total),
    findings: r.findings.toLocaleString('en-US'),
    'rule engine s': s(r.ruleEngine),
    'naive SHACL s': s(r.naiveShacl),
    'engine/naive': r.ruleEngineToNaiveRatio.toFixed(3),
  }));
}
