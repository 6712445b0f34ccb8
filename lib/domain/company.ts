/** Company master data (company.json), per docs/spec/erp-input-format.md. */
export interface Vehicle {
  plate: string;
  businessInsurance: boolean;
  mileageLog: boolean;
}

export interface Company {
  id: string;
  name: string;
  bizRegNo: string;
  sme: boolean;
  fiscalYearStartMonth: number;
  industry: string;
  reportRecipients: string[];
  /** 담당 세무사: who signs this company's reports (the report cover, the month overview's filter); else DEFAULT_ADVISOR. */
  accountant?: string;
  /** The company's reports wait for the accountant's approval before they are sent, whatever REVIEW_REQUIRED says. */
  reviewRequired?: boolean;
  relatedPartyRevenueShare?: number;
  vehicles: Vehicle[];
  /** Balance per account code at a fiscal-year start, in KRW. */
  openingBalances: Record<string, number>;
  /**
   * The fiscal-year start (YYYY-MM-DD) the balances are as of; later fiscal years open with the balances carried
   * forward. Absent in company.json written before the date existed (lib/domain/balances.ts says how that reads).
   */
  openingBalancesAsOf?: string;
}
