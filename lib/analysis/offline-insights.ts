// The deterministic insights (결론 per finding, next month's actions): the report's text when no model
// is configured or every model failed, and the 결론 of findings beyond the prompt's limit.
import { SEVERITY_RANK, type Finding, type FindingCategory } from '../domain/findings';

/** 결론: what the client should do, per category (the finding itself carries facts and basis only). */
export const CONCLUSION: Record<FindingCategory, string> = {
  DATA_QUALITY: '장부 데이터를 확인·수정한 뒤 다시 제출해 주십시오.',
  ENTERTAINMENT_LIMIT: '한도를 넘는 기업업무추진비는 손금에 산입되지 않습니다. 남은 기간의 지출 계획을 조정하고 담당 세무사와 상의하십시오.',
  MISSING_PROOF:
    '세금계산서·신용카드 매출전표·현금영수증 등 적격증빙을 받아 보관하십시오. 없으면 손금불산입 또는 증빙불비 가산세 대상이 될 수 있습니다.',
  PROVISIONAL_PAYMENT: '가지급금을 회수하거나 상환 계획을 세우십시오. 인정이자는 익금에 산입되고 대표자 상여로 처분될 수 있습니다.',
  SUSPENSE_RECEIPT: '가수금의 입금 원인을 확인하고 근거를 정리하십시오. 매출 누락으로 볼 여지가 있습니다.',
  VEHICLE_EXPENSE:
    '업무전용자동차보험 가입과 운행기록부 작성을 확인하십시오. 요건을 갖추지 않으면 차량 관련 비용이 손금에 산입되지 않을 수 있습니다.',
  EXPENSE_SPIKE: '급증한 비용의 내역과 업무 관련성을 확인하십시오.',
  MISCLASSIFICATION: '거래 내용에 맞는 계정(예: 기업업무추진비)으로 다시 분류할지 검토하십시오.',
  FILING_DEADLINE: '기한 안에 신고·납부하십시오.',
};

const MAX_ACTIONS = 8;

export interface OfflineInsights {
  conclusions: string[];
  actions: string[];
}

export function offlineInsights(findings: readonly Finding[]): OfflineInsights {
  const risks = findings.filter((f) => f.severity !== 'INFO').sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const deadlines = findings.filter((f) => f.category === 'FILING_DEADLINE').map((f) => f.message);
  const actions = [...new Set([...risks.map((f) => CONCLUSION[f.category]), ...deadlines])];
  return { conclusions: findings.map((f) => CONCLUSION[f.category]), actions: actions.slice(0, MAX_ACTIONS) };
}
