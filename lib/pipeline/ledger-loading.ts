// Loading company-months into the graph, shared by the activities and `npm run analyze`:
// stage (parse + write a staging graph), then check and promote; and the context months rules read.
import { createHash } from 'node:crypto';
import { isValidBizRegNo } from '../erp/biz-reg-no';
import { loadChart } from '../erp/chart';
import { expectedLedgerPath, findLedger, ledgerAad, loadCompany } from '../erp/company';
import { ledgerFileReader, type ErpSource } from '../erp/erp-source';
import { parseLedger } from '../erp/parse-ledger';
import { graphHasTriples, graphIriRef } from '../graph/graph-sparql';
import { ensureAccountTotals, writeAccountTotals } from './account-totals';
import { companyBalances } from './fiscal-year-opening';
import { ledgerGraphIri, stagingGraphIri } from '../rdf/iris';
import { tax } from '../rdf/vocabulary';
import { ledgerToNTriples } from '../rdf/map-ledger';
import type { QueryCatalog } from '../rdf/query-catalog';
import type { Company } from '../domain/company';
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { contextMonths } from '../domain/periods';
import type { GraphStore } from '../graph/graph-store';
import { ledgerFile, type AtRestFile } from '../security/at-rest-files';
import { isSealed, seal } from '../security/envelope';
import type { KeyWrapper } from '../security/keyring';
import { unsealedBytes } from '../security/sealed-file';
import type { LedgerValidator, ValidationOutcome } from '../validation/ledger-validator';
import { FailureType } from '../temporal-contract';

/** The ledger of the month has not arrived (yet). */
export class LedgerMissingError extends Error {
  override readonly name = FailureType.LedgerMissing;
}

export interface LoadingDeps {
  /** Where the ledgers are, the standard chart, and the keys when encryption at rest is on. */
  erp: ErpSource;
  graph: GraphStore;
  validator: LedgerValidator;
  /** The account totals written with each promoted month. */
  queries: Pick<QueryCatalog, 'accountTotals'>;
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

/**
 * Parses the month's journal and writes it, whole or not at all, into the company-month's staging graph. The ledger
 * file is read once: its digest and its lines come from the same bytes.
 */
export async function stageLedger(deps: LoadingDeps, companyId: string, period: string): Promise<StagedLedger> {
  const company = await loadCompany(deps.erp.dataDir, companyId);
  return stageRead(deps, company, period, await readLedger(deps, companyId, period));
}

async function stageRead({ erp, graph }: LoadingDeps, company: Company, period: string, { file, plaintext }: ReadLedger): Promise<StagedLedger> {
  const chart = await loadChart(erp.dataDir, company.id, erp.standardChart);
  const stagingGraph = stagingGraphIri(company.id, period);
  const stats = { lines: 0, vouchers: 0 };
  const sourceSha256 = sha256(plaintext);
  const context = { company, period, chart, bizRegNoValid: isValidBizRegNo(company.bizRegNo), sourceSha256 };
  await graph.replaceGraph(stagingGraph, ledgerToNTriples(parseLedger(file, { period, plaintext }), context, stats));
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
    const ledger = await readLedger(deps, companyId, period);
    if (await holdsFile(graph, target, ledger)) {
      const outcome = await validator.validate(graph, target);
      if (outcome.conforms) await ensureAccountTotals(graph, deps.queries, target);
      return { outcome, graph: target };
    }
    await stageRead(deps, await loadCompany(deps.erp.dataDir, companyId), period, ledger);
  }
  const outcome = await validator.validate(graph, staging);
  if (outcome.conforms) {
    await writeAccountTotals(graph, deps.queries, staging);
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
  const balances = await companyBalances(deps.erp.dataDir, company, assertPeriod(period));
  const result: ContextMonths = { present: [], loaded: [], missing: [], invalid: [] };
  for (const month of contextMonths(period, company.fiscalYearStartMonth, balances.from)) {
    const monthGraph = ledgerGraphIri(companyId, month);
    if (await graphHasTriples(deps.graph, monthGraph)) {
      await ensureAccountTotals(deps.graph, deps.queries, monthGraph);
      result.present.push(month);
      continue;
    }
    try {
      await stageLedger(deps, companyId, month);
    } catch (err) {
      if (err instanceof LedgerMissingError) result.missing.push(month);
      else if (err instanceof Error && err.name === FailureType.LedgerFormat) result.invalid.push(month);
      else throw err;
      continue;
    }
    const { outcome } = await checkAndPromote(deps, companyId, month);
    result[outcome.conforms ? 'loaded' : 'invalid'].push(month);
  }
  return result;
}

/** A month's ledger file and its content, read once. */
interface ReadLedger {
  file: string;
  /** Opened, if sealed; what is hashed and parsed. */
  plaintext: Buffer;
}

/**
 * The month's ledger file, CSV or workbook (a real file, no link: data-file.ts), read whole in one read (within
 * INPUT_LIMITS.bytes) and opened. With encryption on, a ledger still in plaintext (a new upload) is sealed in place
 * from those bytes first, atomically, so that nothing else reads it as plaintext and none stays so on disk after its
 * first run; it is then staged from the sealed bytes, as any sealed ledger.
 */
async function readLedger({ erp, log }: LoadingDeps, companyId: string, period: string): Promise<ReadLedger> {
  const ledger = await findLedger(erp.dataDir, companyId, period);
  if (!ledger) throw new LedgerMissingError(`${expectedLedgerPath(erp.dataDir, companyId, period)}: no ledger for ${companyId} ${period}`);
  const { path: file, format } = ledger;
  let bytes = await ledgerFileReader(erp)(file);
  if (erp.keys && !isSealed(bytes)) {
    bytes = await sealUpload(ledgerFile(erp.dataDir, companyId, period, format), bytes, erp.keys);
    log?.info(
      { event: 'ledger_sealed', company_id: companyId, period, file },
      'plaintext ledger sealed in place before reading (encryption at rest is on)',
    );
  }
  return { file, plaintext: await unsealedBytes(file, bytes, { keys: erp.keys, aad: ledgerAad(companyId, period, format) }) };
}

/** Replaces a plaintext upload with its sealed bytes, atomically and keeping its mode (as sealInPlace does); returns them. */
async function sealUpload(file: AtRestFile, plaintext: Buffer, keys: KeyWrapper): Promise<Buffer> {
  try {
    const sealed = await seal(plaintext, keys, file.aad);
    await file.write(sealed);
    return sealed;
  } catch (err) {
    throw new Error(`${file.name}: ${(err as Error).message}`, { cause: err });
  }
}

/** Whether the month's graph was loaded from this file's current content. */
async function holdsFile(graph: GraphStore, monthGraph: string, { plaintext }: ReadLedger): Promise<boolean> {
  return graph.ask(
    `ASK { GRAPH ${graphIriRef(monthGraph)} { ${graphIriRef(monthGraph)} <${tax('sourceSha256')}> ${JSON.stringify(sha256(plaintext))} } }`,
  );
}

/** Of the plaintext, so sealing a file or rotating its key does not make it another source. */
const sha256 = (plaintext: Buffer): string => createHash('sha256').update(plaintext).digest('hex');
