// Loading company-months into the graph, shared by the activities and `npm run analyze`:
// stage (parse + write a staging graph), then check and promote; and the context months rules read.
import { createHash } from 'node:crypto';
import { isValidBizRegNo } from '../erp/biz-reg-no';
import { loadChart } from '../erp/chart';
import { expectedLedgerPath, findLedger, ledgerAad, loadCompany } from '../erp/company';
import { parseLedger } from '../erp/parse-ledger';
import { graphHasTriples, graphIriRef } from '../graph/graph-sparql';
import { ensureAccountTotals, writeAccountTotals } from './account-totals';
import { companyBalances } from './fiscal-year-opening';
import { ledgerGraphIri, stagingGraphIri } from '../rdf/iris';
import { tax } from '../rdf/vocabulary';
import { ledgerToNTriples } from '../rdf/map-ledger';
import type { AppConfig } from '../config';
import type { Company } from '../domain/company';
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { contextMonths } from '../domain/periods';
import type { GraphStore } from '../graph/graph-store';
import { ledgerFile, sealInPlace } from '../security/at-rest-files';
import type { KeyWrapper } from '../security/keyring';
import { fileBytes, isSealedFile, type Unsealing } from '../security/sealed-file';
import type { LedgerValidator, ValidationOutcome } from '../validation/ledger-validator';

/** The ledger of the month has not arrived (yet). */
export class LedgerMissingError extends Error {
  override readonly name = 'LedgerMissingError';
}

export interface LoadingDeps {
  config: AppConfig;
  graph: GraphStore;
  validator: LedgerValidator;
  /** Encryption at rest: ledgers are sealed before they are read, and read sealed. Without it a sealed one fails with DecryptionError. */
  keys?: KeyWrapper;
  /** Told when a plaintext ledger is sealed in place. */
  log?: { info(details: object, message: string): void };
}

export interface StagedLedger {
  /** Staging graph holding the freshly loaded month until validation promotes it. */
  stagingGraph: string;
  lines: number;
  vouchers: number;
  sourceSha256: string;
}

/** Parses the month's journal and writes it, whole or not at all, into the company-month's staging graph. */
export async function stageLedger(deps: LoadingDeps, companyId: string, period: string): Promise<StagedLedger> {
  const { config, graph } = deps;
  const company = await loadCompany(config.ERP_DATA_DIR, companyId);
  const { file, unsealing } = await ledgerSource(deps, companyId, period);
  const chart = await loadChart(config.ERP_DATA_DIR, companyId, config.STANDARD_CHART);
  const stagingGraph = stagingGraphIri(companyId, period);
  const stats = { lines: 0, vouchers: 0 };
  const sourceSha256 = await plaintextSha256(file, unsealing);
  const context = { company, period, chart, bizRegNoValid: isValidBizRegNo(company.bizRegNo), sourceSha256 };
  await graph.replaceGraph(stagingGraph, ledgerToNTriples(parseLedger(file, { period, unsealing }), context, stats));
  return { stagingGraph, lines: stats.lines, vouchers: stats.vouchers, sourceSha256 };
}

export interface CheckResult {
  outcome: ValidationOutcome;
  /** The company-month graph: holds the ledger when the outcome conforms. */
  graph: string;
}

/**
 * Validates the staged month; conforming data gets its account totals and replaces the company-month graph in
 * one SPARQL MOVE, failing data is dropped, so the knowledge graph never holds an invalid or half-written month.
 */
export async function checkAndPromote(deps: LoadingDeps, companyId: string, period: string): Promise<CheckResult> {
  const { graph, validator } = deps;
  const staging = stagingGraphIri(companyId, period);
  const target = ledgerGraphIri(companyId, period);
  if (!(await graphHasTriples(graph, staging))) {
    // A retry after a successful MOVE finds the staging graph gone and this file promoted: check that instead.
    // Gone for another reason (a failed check dropped it, then the attempt was lost): stage the file again, so
    // the check never passes on an older month that happens to be in the graph.
    if (await holdsFile(graph, target, await ledgerSource(deps, companyId, period))) {
      const outcome = await validator.validate(graph, target);
      if (outcome.conforms) await ensureAccountTotals(graph, deps.config.SHAPES_DIR, target);
      return { outcome, graph: target };
    }
    await stageLedger(deps, companyId, period);
  }
  const outcome = await validator.validate(graph, staging);
  if (outcome.conforms) {
    await writeAccountTotals(graph, deps.config.SHAPES_DIR, staging);
    await graph.update(`MOVE ${graphIriRef(staging)} TO ${graphIriRef(target)}`);
  } else await graph.dropGraph(staging);
  return { outcome, graph: target };
}

/** Earlier months of a company, by what loading them found. */
export interface ContextMonths {
  /** Already in the graph. */
  present: string[];
  /** Loaded now. */
  loaded: string[];
  /** No ledger file. */
  missing: string[];
  /** The file failed parsing or data quality; left out of the graph. */
  invalid: string[];
}

/**
 * Year-to-date, trailing and balance rules read earlier months (contextMonths, back to the balances' date). Loads
 * those missing from the graph, once (a month already there is left alone), and says which months have no file or
 * fail data quality.
 */
export async function loadContextMonths(deps: LoadingDeps, company: Company, period: string): Promise<ContextMonths> {
  const companyId = assertCompanyId(company.id);
  const balances = await companyBalances(deps.config.ERP_DATA_DIR, company, assertPeriod(period));
  const result: ContextMonths = { present: [], loaded: [], missing: [], invalid: [] };
  for (const month of contextMonths(period, company.fiscalYearStartMonth, balances.from)) {
    const monthGraph = ledgerGraphIri(companyId, month);
    if (await graphHasTriples(deps.graph, monthGraph)) {
      await ensureAccountTotals(deps.graph, deps.config.SHAPES_DIR, monthGraph);
      result.present.push(month);
      continue;
    }
    try {
      await stageLedger(deps, companyId, month);
    } catch (err) {
      if (err instanceof LedgerMissingError) result.missing.push(month);
      else if (err instanceof Error && err.name === 'LedgerFormatError') result.invalid.push(month);
      else throw err;
      continue;
    }
    const { outcome } = await checkAndPromote(deps, companyId, month);
    result[outcome.conforms ? 'loaded' : 'invalid'].push(month);
  }
  return result;
}

interface LedgerSource {
  file: string;
  unsealing: Unsealing;
}

/**
 * The month's ledger file, CSV or workbook (a real file, no link: data-file.ts), and how to open it. With encryption on, a ledger
 * still in plaintext (a new upload) is sealed in place first, atomically, so that nothing else reads it as plaintext
 * and none stays so on disk after its first run.
 */
async function ledgerSource({ config, keys, log }: LoadingDeps, companyId: string, period: string): Promise<LedgerSource> {
  const ledger = await findLedger(config.ERP_DATA_DIR, companyId, period);
  if (!ledger) throw new LedgerMissingError(`${expectedLedgerPath(config.ERP_DATA_DIR, companyId, period)}: no ledger for ${companyId} ${period}`);
  const { path: file, format } = ledger;
  if (keys && !(await isSealedFile(file))) {
    await sealInPlace([ledgerFile(config.ERP_DATA_DIR, companyId, period, format)], keys);
    log?.info({ event: 'ledger_sealed', company_id: companyId, period, file }, 'plaintext ledger sealed in place before reading (encryption at rest is on)');
  }
  return { file, unsealing: { keys, aad: ledgerAad(companyId, period, format) } };
}

/** Whether the month's graph was loaded from this file's current content. */
async function holdsFile(graph: GraphStore, monthGraph: string, { file, unsealing }: LedgerSource): Promise<boolean> {
  const digest = await plaintextSha256(file, unsealing);
  return graph.ask(
    `ASK { GRAPH ${graphIriRef(monthGraph)} { ${graphIriRef(monthGraph)} <${tax('sourceSha256')}> ${JSON.stringify(digest)} } }`,
  );
}

/** Of the plaintext, so sealing a file or rotating its key does not make it another source. */
async function plaintextSha256(file: string, unsealing: Unsealing): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of (await fileBytes(file, unsealing))()) hash.update(chunk);
  return hash.digest('hex');
}
