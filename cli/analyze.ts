// `npm run analyze -- --data-dir DIR [--company ID ...] [--period YYYY-MM | --from YYYY-MM --to YYYY-MM] --out OUT`
// The analysis of the workflow without Temporal: for tax experts tuning shapes/ and for regression checks.
// Exit 0: every selected company-month analysed; 2: data to fix (a month failed data quality, or a folder under
// companies/ is no company: named on stderr with the reason); 1: any other error.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import type { FindingsDocument } from '../lib/domain/findings';
import { scanCompanyDirs, skippedDirLine } from '../lib/erp/company';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { analyzeMonths, loadAnalysisDeps } from '../lib/pipeline/analyze-month';

const USAGE = 'usage: npm run analyze -- --data-dir DIR [--company ID ...] [--period YYYY-MM | --from YYYY-MM --to YYYY-MM] --out OUT';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      company: { type: 'string', multiple: true },
      period: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values['data-dir'] || !values.out) throw new Error(USAGE);
  const config = loadConfig({ ...process.env, ERP_DATA_DIR: path.resolve(values['data-dir']) });
  const out = path.resolve(values.out);
  const inRange = periodFilter(values);
  const graph = new OxigraphStore();
  const deps = await loadAnalysisDeps(config, graph);

  const { ids, skipped } = values.company ? { ids: values.company.map(assertCompanyId), skipped: [] } : await scanCompanyDirs(config.ERP_DATA_DIR);
  for (const dir of skipped) console.error(skippedDirLine(dir));
  let dataFailures = skipped.length;
  for await (const month of analyzeMonths(deps, ids, inRange)) {
    if ('error' in month) {
      console.error(`${month.company.id} ${month.period}: ${month.error.message}`);
      dataFailures++;
      continue;
    }
    const { doc } = month;
    const target = path.join(out, doc.companyId, doc.period, 'findings.json');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${JSON.stringify(doc, null, 2)}\n`);
    if (!doc.dataQuality.conforms) dataFailures++;
    console.log(summary(doc));
  }
  await graph.close();
  return dataFailures > 0 ? 2 : 0;
}

function summary(doc: FindingsDocument): string {
  const head = `${doc.companyId} ${doc.period}`;
  if (!doc.dataQuality.conforms) {
    const first = doc.dataQuality.details[0];
    return `${head} DATA-QUALITY FAILED: ${doc.dataQuality.violations} violations (line ${first?.sourceLine ?? '?'} ${first?.ruleId ?? ''})`;
  }
  const rules = doc.findings.map((f) => f.ruleId).join(' ');
  return `${head} ${doc.riskLevel.padEnd(6)} ${doc.findings.length} findings ${rules}`;
}

function periodFilter(values: { period?: string; from?: string; to?: string }): (p: string) => boolean {
  if (values.period) {
    const only = assertPeriod(values.period);
    return (p) => p === only;
  }
  const from = values.from ? assertPeriod(values.from) : '0000-01';
  const to = values.to ? assertPeriod(values.to) : '9999-12';
  return (p) => p >= from && p <= to;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
