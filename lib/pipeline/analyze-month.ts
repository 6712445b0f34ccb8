// The findings of one validated company-month, with the offline narrative: shared by the analyzeLedger
// activity and `npm run analyze`, so the command reproduces exactly what the workflow reports.
import { calendarWarnings } from '../analysis/filing-deadlines';
import { ledgerMetrics } from '../analysis/ledger-metrics';
import { offlineInsights } from '../analysis/offline-insights';
import { offlineNarrative } from '../analysis/offline-narrative';
import { reportFigures } from '../analysis/report-figures';
import type { Company } from '../domain/company';
import type { DataQualityViolation, FindingsDocument } from '../domain/findings';
import { fiscalYearStart } from '../domain/periods';
import type { GraphStore } from '../graph/graph-store';
import { ledgerPeriods, loadCompany } from '../erp/company';
import { erpSource } from '../erp/erp-source';
import type { AppConfig } from '../config';
import { QueryCatalog } from '../rdf/query-catalog';
import { applyReviews } from '../review/carry-over';
import { TaxRuleEngine } from '../rules/tax-rule-engine';
import { loadKeyWrapper } from '../security/keyring';
import { LedgerValidator } from '../validation/ledger-validator';
import { dataQualityFindings } from './data-quality-findings';
import { companyBalances, fiscalYearOpening } from './fiscal-year-opening';
import { checkAndPromote, loadContextMonths, stageLedger, type LoadingDeps } from './ledger-loading';
import { FailureType } from '../temporal-contract';

export interface AnalysisDeps {
  graph: GraphStore;
  rules: TaxRuleEngine;
  /** The metrics' and figures' queries. */
  queries: Pick<QueryCatalog, 'periodTotals' | 'accountMovements' | 'ruleFigures'>;
  /** ERP_DATA_DIR: where undated opening balances find the company's first ledger. */
  dataDir: string;
  /** FALSE_POSITIVE_MARGIN: how much a finding marked 오탐 must grow to be raised again. */
  falsePositiveMargin: number;
}

/**
 * What analyzeLedgerFile needs, with the shapes and queries of config.SHAPES_DIR loaded once. The whole configuration,
 * as loadKeyWrapper hands it to a KMS module.
 */
export async function loadAnalysisDeps(config: AppConfig, graph: GraphStore): Promise<LoadingDeps & AnalysisDeps> {
  const [validator, rules, queries, keys] = await Promise.all([
    LedgerValidator.load(config.SHAPES_DIR),
    TaxRuleEngine.load(config.SHAPES_DIR),
    QueryCatalog.load(config.SHAPES_DIR),
    loadKeyWrapper(config),
  ]);
  return {
    erp: erpSource(config, keys),
    graph,
    validator,
    rules,
    queries,
    dataDir: config.ERP_DATA_DIR,
    falsePositiveMargin: config.FALSE_POSITIVE_MARGIN,
  };
}

export async function analyzeCompanyMonth(
  { graph, rules, queries, dataDir, falsePositiveMargin }: AnalysisDeps,
  company: Company,
  period: string,
  warnings: DataQualityViolation[],
): Promise<FindingsDocument> {
  const opening = await fiscalYearOpening(graph, company, period, await companyBalances(dataDir, company, period));
  const [metrics, evaluated] = await Promise.all([
    ledgerMetrics(graph, queries, company.id, period, company.fiscalYearStartMonth),
    rules.evaluate(graph, { company, period, balances: opening.balances }),
  ]);
  const month = { companyId: company.id, period, fiscalYearStart: fiscalYearStart(period, company.fiscalYearStartMonth) };
  // The accountants' earlier decisions: findings marked 오탐 leave the customer's findings, last month's get their status.
  const reviewed = await applyReviews(graph, month, evaluated, falsePositiveMargin);
  // Only now: the figures read the derived graph that evaluate has just written.
  const figures = await reportFigures(graph, queries, company, period);
  // Beside the ledger's own warnings: a fiscal year without opening balances, deadlines the holiday calendar could not settle.
  const dataWarnings = [...warnings, ...opening.warnings, ...calendarWarnings(rules.deadlines(company, period))];
  const base: Omit<FindingsDocument, 'narrative'> = {
    schemaVersion: 1,
    ...month,
    companyName: company.name,
    companyBizRegNo: company.bizRegNo,
    ...(company.accountant && { accountant: company.accountant }),
    generatedAt: new Date().toISOString(),
    dataQuality: { conforms: true, violations: 0, warnings: dataWarnings.length, details: dataWarnings },
    metrics,
    figures,
    ...reviewed,
  };
  const offline = { model: 'offline', fallbackUsed: false, cached: false };
  return { ...base, narrative: { ...offline, text: offlineNarrative(base), insights: { ...offline, ...offlineInsights(base.findings) } } };
}

/**
 * A company-month from its ledger file to its findings document, in one process (no Temporal): stage, check and
 * promote, load the context months, analyse; a month failing data quality gets its data-quality document.
 */
export async function analyzeLedgerFile(deps: LoadingDeps & AnalysisDeps, company: Company, period: string): Promise<FindingsDocument> {
  await stageLedger(deps, company.id, period);
  const { outcome } = await checkAndPromote(deps, company.id, period);
  if (!outcome.conforms) return dataQualityFindings(company, period, outcome);
  await loadContextMonths(deps, company, period);
  return analyzeCompanyMonth(deps, company, period, outcome.warnings);
}

/** A month of analyzeMonths: its findings document, or the data error (LedgerFormatError) that stopped it. */
export type AnalyzedMonth = { company: Company; period: string } & ({ doc: FindingsDocument } | { error: Error });

/**
 * Every ledger month of the companies that `inRange` selects, oldest first per company, analysed one after another
 * in `deps.graph`: `npm run analyze`, and the rule feedback's re-run of last year under proposed parameters.
 */
export async function* analyzeMonths(
  deps: LoadingDeps & AnalysisDeps,
  companyIds: readonly string[],
  inRange: (period: string) => boolean,
): AsyncGenerator<AnalyzedMonth> {
  for (const companyId of companyIds) {
    const company = await loadCompany(deps.dataDir, companyId);
    for (const period of (await ledgerPeriods(deps.dataDir, companyId)).filter(inRange)) {
      let month: AnalyzedMonth;
      try {
        month = { company, period, doc: await analyzeLedgerFile(deps, company, period) };
      } catch (err) {
        if (!(err instanceof Error && err.name === FailureType.LedgerFormat)) throw err;
        month = { company, period, error: err };
      }
      yield month;
    }
  }
}
