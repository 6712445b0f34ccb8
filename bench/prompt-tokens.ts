// Tokens of the compact prompt against a naive one, over every company-month of a data directory: the naive
// prompt carries what a first version would send, the whole findings document and the month's ledger lines;
// the compact one carries the findings and the metrics they need. Counted with js-tiktoken (o200k_base).
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../lib/config';
import type { FindingsDocument } from '../lib/domain/findings';
import { ledgerPath, ledgerPeriods, listCompanyIds, loadCompany } from '../lib/erp/company';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { recordFindings } from '../lib/llm/findings-graph';
import { retrieveGrounding } from '../lib/llm/grounding';
import { buildPrompt, compactInput, delimitedJson, quotedBlock, type PromptMessages } from '../lib/llm/prompts';
import { ensureReferenceGraph, readReferenceGraph } from '../lib/llm/reference-graph';
import { estimateTokens } from '../lib/llm/token-estimate';
import { analyzeLedgerFile, loadAnalysisDeps } from '../lib/pipeline/analyze-month';

export interface PromptTokenRow {
  companyId: string;
  period: string;
  findings: number;
  /** Tokens of system + user message. */
  naive: number;
  compact: number;
}

const MODEL = 'gpt-4.1';

/** The naive prompt: the same instructions, the full findings document and the ledger file as it came. */
export function naivePrompt(doc: Omit<FindingsDocument, 'narrative'>, ledgerCsv: string): PromptMessages {
  const compact = buildPrompt('insights', compactInput(doc), quotedBlock(doc));
  return { system: compact.system, user: `<data>\n${delimitedJson(doc)}\n</data>\n<ledger>\n${ledgerCsv}\n</ledger>` };
}

const tokens = (p: PromptMessages) => estimateTokens(MODEL, p.system) + estimateTokens(MODEL, p.user);

export async function promptTokenRows(dataDir: string): Promise<PromptTokenRow[]> {
  const config = loadConfig({ ERP_DATA_DIR: dataDir });
  const graph = new OxigraphStore();
  const deps = await loadAnalysisDeps(config, graph);
  await ensureReferenceGraph(graph, await readReferenceGraph(config.LAW_ARTICLES_FILE));
  const rows: PromptTokenRow[] = [];
  try {
    for (const companyId of await listCompanyIds(dataDir)) {
      const company = await loadCompany(dataDir, companyId);
      // Oldest first, so each month is grounded on the findings recorded for the months before it.
      for (const period of await ledgerPeriods(dataDir, companyId)) {
        const analysed = await analyzeLedgerFile(deps, company, period);
        if (!analysed.dataQuality.conforms) continue;
        await recordFindings(graph, analysed);
        const doc = { ...analysed, grounding: (await retrieveGrounding(graph, analysed)).grounding };
        const csv = await readFile(ledgerPath(dataDir, companyId, period), 'utf8');
        rows.push({
          companyId,
          period,
          findings: doc.findings.length,
          naive: tokens(naivePrompt(doc, csv)),
          compact: tokens(buildPrompt('insights', compactInput(doc), quotedBlock(doc))),
        });
      }
    }
  } finally {
    await graph.close();
  }
  return rows;
}

/** 1 − compact/naive over all rows together. */
export function tokenSaving(rows: readonly PromptTokenRow[]): number {
  const naive = rows.reduce((s, r) => s + r.naive, 0);
  const compact = rows.reduce((s, r) => s + r.compact, 0);
  return naive === 0 ? 0 : 1 - compact / naive;
}

export interface PromptTokenSummary {
  months: number;
  naive: { total: number; median: number; max: number };
  compact: { total: number; median: number; max: number };
  saving: number;
  /** The smallest saving of any single month. */
  minSaving: number;
}

export function summarizePromptTokens(rows: readonly PromptTokenRow[]): PromptTokenSummary {
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { total: sorted.reduce((a, b) => a + b, 0), median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 };
  };
  return {
    months: rows.length,
    naive: stats(rows.map((r) => r.naive)),
    compact: stats(rows.map((r) => r.compact)),
    saving: tokenSaving(rows),
    minSaving: Math.min(...rows.map((r) => 1 - r.compact / r.naive)),
  };
}
