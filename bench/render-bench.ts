// The render part of `npm run bench`: a real sample company-month (analysed from the fixture ledgers) rendered by
// PdfRenderer on Debian's Chromium:
//   cold        a fresh renderer: Chromium launch plus the first render
//   warm        one render on a warm renderer (a page from the pool)
//   throughput  a batch of reports rendered at once through pools of 1, 2 and 4 pages: reports per minute
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { loadConfig } from '../lib/config';
import { loadCompany } from '../lib/erp/company';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { analyzeLedgerFile, loadAnalysisDeps } from '../lib/pipeline/analyze-month';
import { PdfRenderer } from '../lib/report/pdf-renderer';
import { renderReportHtml } from '../lib/report/customer-report';
import { measure, secondsSince, type Measurement } from './measure';

export interface RenderBenchOptions {
  dataDir: string;
  companyId: string;
  period: string;
  chromiumPath: string;
  runs: number;
  poolSizes: readonly number[];
  /** Reports rendered at once for each pool size. */
  batch: number;
}

export interface RenderBenchResult {
  companyId: string;
  period: string;
  htmlKiB: number;
  pdfKiB: number;
  pages: number;
  cold: Measurement;
  warm: Measurement;
  throughput: { poolPages: number; reports: number; seconds: number; reportsPerMinute: number }[];
}

export async function benchRender(options: RenderBenchOptions): Promise<RenderBenchResult> {
  const { dataDir, companyId, period, chromiumPath, runs } = options;
  const html = await reportHtml(dataDir, companyId, period);
  const launch = (maxPages: number) => PdfRenderer.launch({ executablePath: chromiumPath, maxPages });

  const cold = await measure(runs, async () => {
    const renderer = await launch(1);
    await renderer.render(html);
    await renderer.close();
  });

  const renderer = await launch(1);
  const pdf = await renderer.render(html); // warms the page pool
  const warm = await measure(runs, async () => void (await renderer.render(html)));
  await renderer.close();

  const throughput: RenderBenchResult['throughput'] = [];
  for (const poolPages of options.poolSizes) {
    const pool = await launch(poolPages);
    await Promise.all(Array.from({ length: poolPages }, () => pool.render(html)));
    const start = performance.now();
    await Promise.all(Array.from({ length: options.batch }, () => pool.render(html)));
    const seconds = secondsSince(start);
    await pool.close();
    throughput.push({ poolPages, reports: options.batch, seconds, reportsPerMinute: (options.batch / seconds) * 60 });
  }
  return {
    companyId,
    period,
    htmlKiB: Buffer.byteLength(html) / 1024,
    pdfKiB: pdf.length / 1024,
    pages: await pdfPages(pdf),
    cold,
    warm,
    throughput,
  };
}

/** The report HTML of one fixture company-month, from its ledgers through the same analysis as the workflow. */
async function reportHtml(dataDir: string, companyId: string, period: string): Promise<string> {
  const config = loadConfig({ ERP_DATA_DIR: dataDir });
  const graph = new OxigraphStore();
  const company = await loadCompany(dataDir, companyId);
  const doc = await analyzeLedgerFile(await loadAnalysisDeps(config, graph), company, period);
  await graph.close();
  return renderReportHtml(doc, { firmName: config.FIRM_NAME, advisor: config.DEFAULT_ADVISOR });
}

async function pdfPages(pdf: Buffer): Promise<number> {
  const dir = await mkdtemp(join(os.tmpdir(), 'render-bench-'));
  try {
    const file = join(dir, 'report.pdf');
    await writeFile(file, pdf);
    const { stdout } = await promisify(execFile)('pdfinfo', [file]);
    return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1] ?? 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows of the printed table. */
export function renderTableRows(r: RenderBenchResult): Record<string, string>[] {
  const s = (m: Measurement) => m.medianSeconds.toFixed(2);
  return r.throughput.map((t) => ({
    report: `${r.companyId} ${r.period} (${r.pages} pages, ${r.pdfKiB.toFixed(0)} KiB)`,
    'cold s': s(r.cold),
    'warm s': s(r.warm),
    'pool pages': String(t.poolPages),
    'batch s': t.seconds.toFixed(2),
    'reports/min': t.reportsPerMinute.toFixed(0),
  }));
}
