// What a proposal would have changed: last year's months analysed again (the analysis of `npm run analyze`), once
// with the shapes as they are and once with the proposed parameters.ttl in a copy of them, counting findings per
// rule and severity. shapes/ itself is only read.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../config';
import type { Severity } from '../domain/findings';
import { OxigraphStore } from '../graph/oxigraph-store';
import { analyzeMonths, loadAnalysisDeps } from '../pipeline/analyze-month';

export type SeverityCounts = Partial<Record<Severity, number>>;

export interface RuleEffect {
  ruleId: string;
  current: SeverityCounts;
  proposed: SeverityCounts;
}

export interface ProposalEffect {
  /** Company-months analysed (each twice). */
  months: number;
  /** Months that could not be analysed (a data error, or failed data quality): the same in both runs. */
  dataFailures: string[];
  rules: RuleEffect[];
}

/** Runs both analyses of `companyIds`' months in `range` (config.ERP_DATA_DIR, config.SHAPES_DIR). */
export async function proposalEffect(
  config: AppConfig,
  companyIds: readonly string[],
  range: { from: string; to: string },
  proposedParameters: string,
): Promise<ProposalEffect> {
  const shapes = await mkdtemp(path.join(tmpdir(), 'rule-feedback-shapes-'));
  try {
    await cp(config.SHAPES_DIR, shapes, { recursive: true });
    await writeFile(path.join(shapes, 'tax', 'parameters.ttl'), proposedParameters);
    const current = await countFindings(config, companyIds, range);
    const proposed = await countFindings({ ...config, SHAPES_DIR: shapes }, companyIds, range);
    const ruleIds = [...new Set([...current.counts.keys(), ...proposed.counts.keys()])].sort();
    return {
      months: current.months,
      dataFailures: current.dataFailures,
      rules: ruleIds.map((ruleId) => ({ ruleId, current: current.counts.get(ruleId) ?? {}, proposed: proposed.counts.get(ruleId) ?? {} })),
    };
  } finally {
    await rm(shapes, { recursive: true, force: true });
  }
}

export function totalOf(counts: SeverityCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** One analysis of the range in a fresh embedded graph, as `npm run analyze` runs it. */
async function countFindings(config: AppConfig, companyIds: readonly string[], { from, to }: { from: string; to: string }) {
  const graph = new OxigraphStore();
  try {
    const deps = await loadAnalysisDeps(config, graph);
    const counts = new Map<string, SeverityCounts>();
    const dataFailures: string[] = [];
    let months = 0;
    for await (const month of analyzeMonths(deps, companyIds, (p) => p >= from && p <= to)) {
      months++;
      if ('error' in month || !month.doc.dataQuality.conforms) {
        dataFailures.push(`${month.company.id} ${month.period}`);
        continue;
      }
      for (const f of month.doc.findings) {
        const bySeverity = counts.get(f.ruleId) ?? {};
        bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
        counts.set(f.ruleId, bySeverity);
      }
    }
    return { counts, dataFailures, months };
  } finally {
    await graph.close();
  }
}
