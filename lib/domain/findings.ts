/** findings.json, the machine-readable result of one company-month (docs/spec/findings.md). */
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

/** Who wrote a part of the narrative. */
export interface NarrativeAuthor {
  /** Model that wrote the text, or 'offline'. */
  model: string;
  fallbackUsed: boolean;
  cached: boolean;
}

export interface Narrative extends NarrativeAuthor {
  /** The summary. */
  text: string;
  /** The summary as the reviewing accountant rewrote it before approving (the findings stay the rules'). */
  editedBy?: { reviewer: string; editedAt: string; draftVersion: number };
  /** Version of the prompt templates the model-written parts come from (lib/llm/prompts.ts). */
  promptVersion?: string;
  /** 결론 per finding (in findings order) and next month's actions, from the insights task. */
  insights?: NarrativeAuthor & { conclusions: string[]; actions: string[] };
}

/** A law article a finding's rule rests on, from the knowledge graph's reference graph (ontology/law-articles.ttl). */
export interface LawArticleRef {
  /** Local name, e.g. CITA-25-4. */
  id: string;
  law: string;
  article: string;
  title: string;
  /** A short summary in the firm's words. */
  text: string;
  /** The rule ids of this document's findings that cite it. */
  rules: string[];
}

/** A month before the report month, as its recorded findings graph holds it. */
export interface PreviousMonthFindings {
  period: string;
  findings: Array<{ ruleId: string; severity: Severity; amount?: number }>;
}

/** What the analysis prompt is grounded on, retrieved from the knowledge graph (GraphRAG). */
export interface Grounding {
  articles: LawArticleRef[];
  previousMonths: PreviousMonthFindings[];
  /** With an embeddings model: per finding (index), the most similar other articles (ids) and memo texts of the month. */
  related?: Array<{ finding: number; articles: string[]; memos: string[] }>;
}

/** open = not reviewed (or re-opened); 확인, 조치완료 and 오탐 are the accountant's decisions (lib/review/). */
export const REVIEW_STATUSES = ['open', 'acknowledged', 'resolved', 'false-positive'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** A finding of the month before and what the accountants made of it: the report's 조치 현황. */
export interface CarriedFinding {
  findingKey: string;
  ruleId: string;
  category: FindingCategory;
  severity: Severity;
  message: string;
  amount?: number;
  status: ReviewStatus;
  note?: string;
  reviewer?: string;
  reviewedAt?: string;
  /** The rules found it again this month. */
  recurring: boolean;
}

/** A finding the rules made again that an accountant had marked 오탐, and whose amount did not grow past the margin. */
export interface SuppressedFinding {
  finding: Finding;
  findingKey: string;
  /** The month whose finding was marked 오탐. */
  dismissedIn: string;
  reviewer: string;
  reason?: string;
  dismissedAmount?: number;
}

/** One month of a company's history, for the console's 12-month trend. */
export interface TrendPoint {
  period: string;
  riskLevel: RiskLevel;
  findings: number;
}

/** Who approved the version the customer gets (review before sending), or that it went out unapproved at the deadline. */
export interface ReportApproval {
  draftVersion: number;
  /** Absent when the deadline policy sent the draft without an approval. */
  reviewer?: string;
  at: string;
  note?: string;
  /** sha256 of the PDF approved: delivery refuses to send any other. */
  pdfSha256: string;
}

export interface FindingsDocument {
  schemaVersion: 1;
  companyId: string;
  companyName: string;
  /** 사업자등록번호 as in the company master data: the report header needs no access to the ERP files. */
  companyBizRegNo: string;
  period: string;
  /** 담당 세무사 from the company master, for the report's cover; absent: the firm's DEFAULT_ADVISOR. */
  accountant?: string;
  /** First month (YYYY-MM) of the period's fiscal year (company.json fiscalYearStartMonth); absent in findings.json written before it. */
  fiscalYearStart?: string;
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
  /** Legal basis and history the narrative was grounded on; absent before grounding ran. */
  grounding?: Grounding;
  /** The report's tables and charts; absent in findings.json written before they existed. */
  figures?: ReportFigures;
  /** Last month's findings with their review status (조치 현황); absent when there was no analysed month before. */
  carryOver?: { previousPeriod: string; items: CarriedFinding[] };
  /** Findings not raised again because an accountant marked them 오탐: shown to the firm, not in the customer's report. */
  suppressed?: SuppressedFinding[];
  /** The company's months up to this one (at most 12), from the findings graphs. */
  trend?: TrendPoint[];
  /** Set on the version that was reviewed before sending. */
  approval?: ReportApproval;
}

/** An account's movement (Σdebit − Σcredit) in a month. */
export interface PnlAccount {
  code: string;
  name: string;
  amount: number;
}

/**
 * A month's profit and loss by account group (classes of docs/spec/chart-of-accounts.md). Income groups are
 * Σcredit − Σdebit, cost groups Σdebit − Σcredit, so every group is positive in the usual case.
 */
export interface MonthlyPnl {
  period: string;
  /** 401-450 매출. */
  revenue: number;
  /** 451-500 매출원가. */
  costOfSales: number;
  /** 501-700 제조원가, expensed in the month like the other expense accounts (docs/spec/tax-rules.md, Terms). */
  manufacturingCost: number;
  /** 801-900 판매비와관리비, one entry per account with lines, by code. */
  sga: PnlAccount[];
  sgaTotal: number;
  /** revenue − costOfSales − manufacturingCost − sgaTotal. */
  operatingResult: number;
  /** 901-930 영업외수익. */
  nonOperatingIncome: number;
  /** 931-997 영업외비용. */
  nonOperatingExpense: number;
  /** operatingResult + nonOperatingIncome − nonOperatingExpense. */
  ordinaryResult: number;
}

/** A month-end balance of an insider account (134 가지급금 / 257 가수금). */
export interface MonthEndBalance {
  period: string;
  balance: number;
}

export interface InsiderBalance {
  account: string;
  /**
   * The balance the fiscal year opened with: company.json's, or the closing balance of the year before carried
   * forward; absent in findings.json written before it.
   */
  opening?: number;
  /** Month-end balance of the report month: the LOAN-/DEPOSIT-INSIDER fact's amount. */
  balance: number;
  /** Month-end balances of the fiscal year's months in the graph, oldest first, ending with the report month. */
  trend: MonthEndBalance[];
}

/** The report's figures; amounts are integer KRW, and every limit, balance and interest is the rule engine's own. */
export interface ReportFigures {
  pnl: {
    current: MonthlyPnl;
    /** The month before the report month; absent when it is not in the graph. */
    previous?: MonthlyPnl;
  };
  /** ENT-LIMIT: YTD entertainment E against the prorated limit L and the warning level ⌊warnRatio × L⌋. */
  entertainment?: { ytd: number; limit: number; warnLevel: number };
  /**
   * CAR-COST: YTD vehicle cost, when the company has vehicles or vehicle cost lines this fiscal year. `limit`
   * only when some vehicle has no mileage log (otherwise the limit does not apply).
   */
  vehicleCost?: { ytd: number; limit?: number; vehiclesWithoutLog: number };
  /** 134 가지급금, with the report month's 인정이자. */
  provisionalPayment?: InsiderBalance & { accruedInterest: number };
  /** 257 가수금. */
  suspenseReceipt?: InsiderBalance;
}

export const SEVERITY_RANK: Record<Severity, number> = { HIGH: 3, MEDIUM: 2, LOW: 1, INFO: 0 };

/** The company's risk level is the highest severity among its findings; INFO does not raise it. */
export function overallRiskLevel(findings: readonly Pick<Finding, 'severity'>[]): RiskLevel {
  const top = Math.max(0, ...findings.map((f) => SEVERITY_RANK[f.severity]));
  return top === 3 ? 'HIGH' : top === 2 ? 'MEDIUM' : top === 1 ? 'LOW' : 'NONE';
}

/** Metrics of a month with no figures yet (a data-quality failure, or before analysis). */
export function emptyMetrics(): FindingsDocument['metrics'] {
  return { revenueMonth: 0, expenseMonth: 0, revenueYtd: 0, expenseYtd: 0, lineCount: 0, ytdMonths: [], ytdMonthsMissing: [] };
}
