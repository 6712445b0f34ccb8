import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { isValidBizRegNo } from '../lib/erp/biz-reg-no';
import { loadChart } from '../lib/erp/chart';
import { ledgerPath, listCompanyIds, loadCompany } from '../lib/erp/company';
import { parseLedger } from '../lib/erp/parse-ledger';
import { stagingGraphIri } from '../lib/rdf/iris';
import { ledgerToNTriples } from '../lib/rdf/map-ledger';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import { failDataErrorsFast } from './failures';
import type { CompanyMonth, ExtractResult } from './types';

/** The ledger of the month has not arrived (yet). */
export class LedgerMissingError extends Error {
  override readonly name = 'LedgerMissingError';
}

export function createEtlActivities({ config, graph, log }: ActivityDeps) {
  return {
    async listCompanies(): Promise<string[]> {
      return listCompanyIds(config.ERP_DATA_DIR);
    },

    /** Parses the month's journal and loads it, whole or not at all, into the company-month's staging graph. */
    async extractLedger(input: CompanyMonth): Promise<ExtractResult> {
      return failDataErrorsFast(async () => {
        const companyId = assertCompanyId(input.companyId);
        const period = assertPeriod(input.period);
        const logger = activityLogger(log, { companyId, period });
        const company = await loadCompany(config.ERP_DATA_DIR, companyId);
        const file = ledgerPath(config.ERP_DATA_DIR, companyId, period);
        await access(file).catch(() => {
          throw new LedgerMissingError(`${file}: no ledger for ${companyId} ${period}`);
        });
        const chart = await loadChart(config.ERP_DATA_DIR, companyId, config.STANDARD_CHART);
        const stagingGraph = stagingGraphIri(companyId, period);
        const stats = { lines: 0, vouchers: 0 };
        const started = performance.now();
        await graph.replaceGraph(
          stagingGraph,
          ledgerToNTriples(parseLedger(file, { period }), {
            company,
            period,
            chart,
            bizRegNoValid: isValidBizRegNo(company.bizRegNo),
          }, stats),
        );
        const sourceSha256 = await sha256File(file);
        logger.info(
          { event: 'ledger_extracted', lines: stats.lines, vouchers: stats.vouchers, duration_ms: Math.round(performance.now() - started) },
          'ledger loaded into staging graph',
        );
        return { stagingGraph, lines: stats.lines, vouchers: stats.vouchers, sourceSha256 };
      });
    },
  };
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
