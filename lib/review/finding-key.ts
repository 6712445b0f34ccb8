// A finding's identity across runs and months: what a review (확인/조치완료/오탐) is attached to, and what decides
// whether next month's finding is the same one. Amounts are not part of it: a grown amount is the same finding, grown.
import type { Finding } from '../domain/findings';

/**
 * Per rule, the fact a finding is about: one journal line (ENT-PROOF, WELFARE-MISCLASS: date, voucher, account),
 * one account in one month (SPIKE), one due date (DEADLINE), one vehicle (CAR-COST insurance), or the rule in its
 * fiscal year for running totals and balances (ENT-LIMIT, CAR-COST limit, LOAN-INSIDER, DEPOSIT-INSIDER) and in its
 * month for month totals (EXP-PROOF, data quality).
 */
export function findingKey(finding: Finding, context: { period: string; fiscalYearStart?: string }): string {
  const line = finding.evidence[0];
  const fiscalYear = context.fiscalYearStart ?? context.period.slice(0, 4);
  switch (finding.ruleId) {
    case 'ENT-PROOF':
    case 'WELFARE-MISCLASS':
      if (line) return `${finding.ruleId}|line|${line.date}|${line.voucher ?? 'day'}|${line.account}`;
      break;
    case 'SPIKE':
      if (line) return `${finding.ruleId}|${context.period}|${line.account}`;
      break;
    case 'DEADLINE':
      if (finding.dueDate) return `${finding.ruleId}|due|${finding.dueDate}`;
      break;
    case 'CAR-COST':
      // The insurance finding names its vehicle and has no amount; the limit finding is the year's running total.
      if (finding.amount === undefined) return `${finding.ruleId}|vehicle|${vehicleOf(finding.message)}`;
      return `${finding.ruleId}|fy|${fiscalYear}`;
    case 'ENT-LIMIT':
    case 'LOAN-INSIDER':
    case 'DEPOSIT-INSIDER':
      return `${finding.ruleId}|fy|${fiscalYear}`;
  }
  return `${finding.ruleId}|${context.period}`;
}

/** The plate the insurance finding names (shapes/tax/rules.ttl: "업무용승용차 {plate}이(가) …"), else its whole message. */
function vehicleOf(message: string): string {
  return /^업무용승용차 (.+?)이\(가\)/.exec(message)?.[1] ?? message;
}
