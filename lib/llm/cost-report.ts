// `npm run cost-report`: a report month's LLM use from the call ledger, per model and per company.
import type { UsageRecord } from './usage-ledger';

export interface CostLine {
  key: string;
  /** Real model calls (cache hits and offline parts excluded). */
  calls: number;
  cacheHits: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  usd: number;
}

export interface CostReport {
  period: string;
  total: CostLine;
  byModel: CostLine[];
  byCompany: CostLine[];
  /** Spend per Asia/Seoul day on which the calls were made. */
  byDay: CostLine[];
  /** Hits over cache lookups (every record of a model, not the offline ones). */
  cacheHitRate: number;
  /** Narrative parts written by a fallback model or offline after a failed model. */
  fallbacks: number;
  /** Narrative parts written offline. */
  offline: number;
  /** Calls whose tokens were estimated (the response had no usage). */
  estimatedCalls: number;
}

export function costReport(period: string, records: readonly UsageRecord[]): CostReport {
  const modelRecords = records.filter((r) => r.model !== 'offline');
  const hits = modelRecords.filter((r) => r.cached).length;
  return {
    period,
    total: sum('total', modelRecords),
    byModel: groupBy(modelRecords, (r) => r.model),
    byCompany: groupBy(modelRecords, (r) => r.companyId),
    byDay: groupBy(modelRecords, (r) => r.day).sort((a, b) => a.key.localeCompare(b.key)),
    cacheHitRate: modelRecords.length === 0 ? 0 : hits / modelRecords.length,
    fallbacks: records.filter((r) => r.outcome === 'ok' && r.fallbackUsed).length,
    offline: records.filter((r) => r.model === 'offline').length,
    estimatedCalls: modelRecords.filter((r) => r.estimated).length,
  };
}

function groupBy(records: readonly UsageRecord[], keyOf: (r: UsageRecord) => string): CostLine[] {
  const groups = new Map<string, UsageRecord[]>();
  for (const r of records) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  return [...groups].map(([key, group]) => sum(key, group)).sort((a, b) => b.usd - a.usd || a.key.localeCompare(b.key));
}

function sum(key: string, records: readonly UsageRecord[]): CostLine {
  const line: CostLine = { key, calls: 0, cacheHits: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, usd: 0 };
  for (const r of records) {
    if (r.cached) line.cacheHits++;
    else line.calls++;
    line.inputTokens += r.inputTokens;
    line.cachedInputTokens += r.cachedInputTokens;
    line.outputTokens += r.outputTokens;
    line.usd += r.usd;
  }
  return line;
}

const WIDTHS = [24, 6, 6, 10, 8, 9, 12];
const cells = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(WIDTHS[0]!) : v.padStart(WIDTHS[i]!))).join(' ');
const HEAD = cells(['', 'calls', 'hits', 'input', 'cached', 'output', 'USD']);
const row = (l: CostLine) =>
  cells([l.key, l.calls, l.cacheHits, l.inputTokens, l.cachedInputTokens, l.outputTokens].map(String).concat(`$${l.usd.toFixed(6)}`));

/** The report as the operator reads it in a terminal. */
export function formatCostReport(report: CostReport): string {
  return [
    `LLM cost report for ${report.period}`,
    '',
    'per model',
    HEAD,
    ...report.byModel.map(row),
    '',
    'per company',
    HEAD,
    ...report.byCompany.map(row),
    '',
    'per day (Asia/Seoul)',
    HEAD,
    ...report.byDay.map(row),
    '',
    row(report.total),
    '',
    `cache hit rate ${(report.cacheHitRate * 100).toFixed(1)}% · fallbacks ${report.fallbacks} · offline parts ${report.offline}` +
      (report.estimatedCalls > 0 ? ` · ${report.estimatedCalls} calls with estimated tokens` : ''),
  ].join('\n');
}
