// Deterministic IRIs: the same company, month, voucher and line always get the same IRI, so a re-run replaces.
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { DATA } from './vocabulary';

const seg = (s: string): string => encodeURIComponent(s);

export function companyIri(companyId: string): string {
  return `${DATA}company/${seg(assertCompanyId(companyId))}`;
}

/** The named graph holding one company's ledger for one month. */
export function ledgerGraphIri(companyId: string, period: string): string {
  return `${companyIri(companyId)}/ledger/${assertPeriod(period)}`;
}

/** Where a freshly extracted month waits until validation promotes it into the ledger graph. */
export function stagingGraphIri(companyId: string, period: string): string {
  return `${ledgerGraphIri(companyId, period)}/staging`;
}

export function voucherIri(companyId: string, date: string, voucher: string | undefined): string {
  // Without voucher numbers the whole day is one balancing unit (docs/spec/erp-input-format.md).
  return `${companyIri(companyId)}/voucher/${seg(date)}/${voucher === undefined ? 'day' : `no-${seg(voucher)}`}`;
}

/** A journal line: date, voucher and its position in the file. */
export function lineIri(companyId: string, period: string, date: string, voucher: string | undefined, position: number): string {
  return `${ledgerGraphIri(companyId, period)}/line/${seg(date)}/${voucher === undefined ? 'day' : seg(voucher)}/${position}`;
}

export function accountIri(code: string): string {
  return `${DATA}account/${seg(code)}`;
}

export function counterpartyIri(companyId: string, code: string): string {
  return `${companyIri(companyId)}/counterparty/${seg(code)}`;
}

/** The findings of one analysed company-month: what later months' analyses retrieve as history. */
export function findingsGraphIri(companyId: string, period: string): string {
  return `${companyIri(companyId)}/findings/${assertPeriod(period)}`;
}

export const RULE_NS = 'https://w3id.org/kr-tax/rules#';
export const LAW_NS = 'https://w3id.org/kr-tax/law#';

/** A rule of shapes/tax/rules.ttl and law-articles.ttl, by its id (ENT-LIMIT, DEADLINE, ...). */
export function ruleIri(ruleId: string): string {
  if (!/^[A-Z][A-Z0-9-]*$/.test(ruleId)) throw new TypeError(`not a rule id: ${JSON.stringify(ruleId)}`);
  return `${RULE_NS}${ruleId}`;
}
