// The two halves of loading a company-month into the graph, shared by the report month's activities and
// by the loader of earlier months: stage (parse + write a staging graph), then check and promote.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { isValidBizRegNo } from '../lib/erp/biz-reg-no';
import { loadChart } from '../lib/erp/chart';
import { ledgerPath, loadCompany } from '../lib/erp/company';
import { parseLedger } from '../lib/erp/parse-ledger';
import { graphIriRef } from '../lib/graph/graph-sparql';
import { ledgerGraphIri, stagingGraphIri } from '../lib/rdf/iris';
import { ledgerToNTriples } from '../lib/rdf/map-ledger';
import type { ValidationOutcome } from '../lib/validation/ledger-validator';
import type { ActivityDeps } from './deps';
import type { ExtractResult } from './types';

/** The ledger of the month has not arrived (yet). */
export class LedgerMissingError extends Error {
  override readonly name = 'LedgerMissingError';
}

type Deps = Pick<ActivityDeps, 'config' | 'graph' | 'validator'>;

/** Parses the month's journal and writes it, whole or not at all, into the company-month's staging graph. */
export async function stageLedger({ config, graph }: Deps, companyId: string, period: string): Promise<ExtractResult> {
  const company = await loadCompany(config.ERP_DATA_DIR, companyId);
  const file = ledgerPath(config.ERP_DATA_DIR, companyId, period);
  await access(file).catch(() => {
    throw new LedgerMissingError(`${file}: no ledger for ${companyId} ${period}`);
  });
  const chart = await loadChart(config.ERP_DATA_DIR, companyId, config.STANDARD_CHART);
  const stagingGraph = stagingGraphIri(companyId, period);
  const stats = { lines: 0, vouchers: 0 };
  const context = { company, period, chart, bizRegNoValid: isValidBizRegNo(company.bizRegNo) };
  await graph.replaceGraph(stagingGraph, ledgerToNTriples(parseLedger(file, { period }), context, stats));
  return { stagingGraph, lines: stats.lines, vouchers: stats.vouchers, sourceSha256: await sha256File(file) };
}

export interface CheckResult {
  outcome: ValidationOutcome;
  /** The company-month graph: holds the ledger when the outcome conforms. */
  graph: string;
}

/**
 * Validates the staged month; conforming data replaces the company-month graph in one SPARQL MOVE, failing
 * data is dropped, so the knowledge graph never holds an invalid or half-written month.
 */
export async function checkAndPromote({ graph, validator }: Deps, companyId: string, period: string): Promise<CheckResult> {
  const staging = stagingGraphIri(companyId, period);
  const target = ledgerGraphIri(companyId, period);
  // A retry after a successful MOVE finds the staging graph gone: check what was promoted instead.
  if ((await graph.countTriples(staging)) === 0) return { outcome: await validator.validate(graph, target), graph: target };
  const outcome = await validator.validate(graph, staging);
  if (outcome.conforms) await graph.update(`MOVE ${graphIriRef(staging)} TO ${graphIriRef(target)}`);
  else await graph.dropGraph(staging);
  return { outcome, graph: target };
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
