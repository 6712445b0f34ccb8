/** The reports' fixed wording: risk levels, severities and finding categories in Korean, and the set sentences. */
import type { FindingCategory, RiskLevel, Severity } from '../domain/findings';

export const DISCLAIMER = '최종 판단은 담당 세무사가 합니다.';
/** A month whose ledger has its header and no journal lines (a dormant company, a new one): valid, and said so. */
export const NO_TRANSACTIONS = '이번 달 장부에는 분개가 없습니다(거래 없는 달). 신고·납부 기한은 그대로 적용됩니다.';

export const RISK_LEVEL_LABEL: Record<RiskLevel, string> = { HIGH: '높음', MEDIUM: '보통', LOW: '낮음', NONE: '없음' };
export const SEVERITY_LABEL: Record<Severity, string> = { HIGH: '높음', MEDIUM: '보통', LOW: '낮음', INFO: '안내' };
/** Highest first when sorted by descending rank. */
export const SEVERITY_RANK: Record<Severity, number> = { HIGH: 3, MEDIUM: 2, LOW: 1, INFO: 0 };

/** In report order (the scorecard's rows). */
export const CATEGORY_LABEL: Record<FindingCategory, string> = {
  DATA_QUALITY: '장부 데이터 품질',
  ENTERTAINMENT_LIMIT: '기업업무추진비 한도',
  MISSING_PROOF: '적격증빙 누락',
  PROVISIONAL_PAYMENT: '가지급금',
  SUSPENSE_RECEIPT: '가수금',
  VEHICLE_EXPENSE: '업무용승용차 비용',
  EXPENSE_SPIKE: '비용 급증',
  MISCLASSIFICATION: '계정 분류',
  FILING_DEADLINE: '신고·납부 기한',
};
