/** findings.json, the machine-readable result of one company-month (../shared/domain/FINDINGS.md). */
export type RiskLevel = 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE';
export type Severity = 'HIGH' | 'MEDIUM' | 'LOW' | 'INFO';
/** The closed category vocabulary of findings.json. */
export const FINDING_CATEGORIES = [
  'DATA_QUALITY',
  'ENTERTAINMENT_LIMIT',
  'MISSING_PROOF',
  'PROVISIONAL_PAYMENT',
  'SUSPENSE_RECEIPT',
  'VEHICLE_EXPENSE',
  'EXPENSE_SPIKE',
  'MISCLASSIFICATION',
  'FILING_DEADLINE',
] as const;
export type FindingCategory = (typeof FINDING_CATEGORIES)[number];

export interface EvidenceLine {
  date: string;
  voucher?: string;
  account: string;
  amount: number;
  memo?: string;
}

export interface Finding {
  ruleId: string;
  category: FindingCategory;
  severity: Severity;
  amount?: number;
  threshold?: number;
  accruedInterest?: number;
  /** Due date for FILING_DEADLINE findings. */
  dueDate?: string;
  message: string;
  basis: string;
  evidence: EvidenceLine[];
}

export interface DataQualityViolation {
  ruleId: string;
  severity: 'Violation' | 'Warning';
  message: string;
  focus: string;
  sourceLine?: number;
}

export interface Narrative {
  /** Model that wrote the text, or 'offline'. */
  model: string;
  fallbackUsed: boolean;
  cached: boolean;
  text: string;
}

export interface FindingsDocument {
  schemaVersion: 1;
  companyId: string;
  companyName: string;
  period: string;
  generatedAt: string;
  riskLevel: RiskLevel;
  dataQuality: { conforms: boolean; violations: number; warnings: number; details: DataQualityViolation[] };
  findings: Finding[];
  metrics: {
    revenueMonth: number;
    expenseMonth: number;
    revenueYtd: number;
    expenseYtd: number;
    lineCount: number;
    /** The months the year-to-date figures add up. */
    ytdMonths: string[];
    /** Months of the fiscal year so far that are not in the graph (no file, or failed data quality). */
    ytdMonthsMissing: string[];
  };
  narrative: Narrative;
}

export const SEVERITY_RANK: Record<Severity, number> = { HIGH: 3, MEDIUM: 2, LOW: 1, INFO: 0 };

/** The company's risk level is the highest severity among its findings; INFO does not raise it. */
export function overallRiskLevel(findings: readonly Pick<Finding, 'severity'>[]): RiskLevel {
  const top = Math.max(0, ...findings.map((f) => SEVERITY_RANK[f.severity]));
  return top === 3 ? 'HIGH' : top === 2 ? 'MEDIUM' : top === 1 ? 'LOW' : 'NONE';
}
