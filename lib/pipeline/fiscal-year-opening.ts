// The balances a company-month's fiscal year opens with. company.json states them once, as of a fiscal-year start;
// a later fiscal year opens with the closing balances of the one before, which the balance rules carry forward
// through the graph (shapes/tax/derive/insider-balances.rq adds up every month since the stated date). A fiscal
// year they cannot reach opens at 0, and the report says so: a DQ-OPENING warning naming company and fiscal year.
import { OPENING_RULE_ID, statedBalances, type BalanceAnchor } from '../domain/balances';
import type { Company } from '../domain/company';
import type { DataQualityViolation } from '../domain/findings';
import { addMonths, fiscalYearStart } from '../domain/periods';
import { ledgerPeriods } from '../erp/company';
import { graphHasTriples } from '../graph/graph-sparql';
import type { GraphStore } from '../graph/graph-store';
import { ledgerGraphIri } from '../rdf/iris';

/** Months named in a warning; more are counted. */
const LISTED_MONTHS = 12;

/**
 * company.json's balances and their month. Undated ones (written before the date existed) are as of the
 * fiscal-year start of the company's first ledger on file: the year its books came to the firm.
 */
export async function companyBalances(dataDir: string, company: Company, period: string): Promise<BalanceAnchor> {
  const firstLedger = company.openingBalancesAsOf === undefined ? (await ledgerPeriods(dataDir, company.id))[0] : undefined;
  return statedBalances(company, fiscalYearStart(firstLedger ?? period, company.fiscalYearStartMonth));
}

export interface FiscalYearOpening {
  /** What the balance rules start from: the company's balances, or none as of the fiscal-year start. */
  balances: BalanceAnchor;
  warnings: DataQualityViolation[];
}

/**
 * The company's balances when they reach the fiscal year of `period`: stated as of its start, or as of an earlier
 * start with every month since in the graph (loaded and valid). Otherwise the year opens at 0, with a warning.
 */
export async function fiscalYearOpening(graph: GraphStore, company: Company, period: string, stated: BalanceAnchor): Promise<FiscalYearOpening> {
  const start = fiscalYearStart(period, company.fiscalYearStartMonth);
  const missing: string[] = [];
  for (let m = stated.from; m < start; m = addMonths(m, 1)) {
    if (!(await graphHasTriples(graph, ledgerGraphIri(company.id, m)))) missing.push(m);
  }
  const why =
    stated.from > start
      ? `company.json의 openingBalances는 ${stated.from}-01 기준이라 그보다 앞선 이 사업연도의 기초잔액이 없습니다`
      : missing.length > 0
        ? `${stated.from}-01 기준 잔액을 이월할 장부가 없거나 데이터 품질 검사를 통과하지 못한 달이 있습니다: ${listMonths(missing)}`
        : undefined;
  if (why === undefined) return { balances: stated, warnings: [] };
  const year = `${start.slice(0, 4)} 사업연도(${start} ~ ${addMonths(start, 11)})`;
  return {
    balances: { from: start, balances: {} },
    warnings: [
      {
        ruleId: OPENING_RULE_ID,
        severity: 'Warning',
        message:
          `${company.name}(${company.id})의 ${year} 기초잔액을 알 수 없습니다. ${why}. 가지급금·가수금 잔액과 인정이자는 기초잔액 0에서 ` +
          `계산했습니다. openingBalances를 이 사업연도 시작일 기준 잔액으로 적으면(asOf "${start}-01") 이 사업연도부터 이어집니다.`,
        focus: `companies/${company.id}/company.json`,
      },
    ],
  };
}

function listMonths(months: readonly string[]): string {
  const rest = months.length - LISTED_MONTHS;
  return `${months.slice(0, LISTED_MONTHS).join(', ')}${rest > 0 ? ` 외 ${rest}개월` : ''}`;
}
