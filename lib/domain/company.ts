/** Company master data (company.json), per ../shared/domain/ERP-FORMAT.md. */
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
  relatedPartyRevenueShare?: number;
  vehicles: Vehicle[];
  /** Balance per account code at the fiscal-year start, in KRW. */
  openingBalances: Record<string, number>;
}
