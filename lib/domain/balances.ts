// Opening balances as the balance rules read them (docs/spec/tax-rules.md, Terms): an account's balance at a month's
// end is its stated balance plus every movement since the month that balance is as of, across fiscal years.
import type { Company } from './company';

/** The data-quality warning of a fiscal year whose opening balances are unknown (lib/pipeline/fiscal-year-opening.ts). */
export const OPENING_RULE_ID = 'DQ-OPENING';

/** Balances per account code as of the first day of month `from` (YYYY-MM). */
export interface BalanceAnchor {
  from: string;
  balances: Readonly<Record<string, number>>;
}

/**
 * company.json's balances and the month they are as of. Undated ones (company.json written before the date
 * existed) are as of `undatedFrom`: the fiscal-year start the caller takes them for.
 */
export function statedBalances(company: Company, undatedFrom: string): BalanceAnchor {
  return { from: company.openingBalancesAsOf?.slice(0, 7) ?? undatedFrom, balances: company.openingBalances };
}
