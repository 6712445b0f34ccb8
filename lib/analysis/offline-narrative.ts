// The deterministic narrative used when no LLM is configured or every model failed.
import type { FindingsDocument } from '../domain/findings';
import { parsePeriod } from '../domain/periods';
import { NO_TRANSACTIONS, RISK_LEVEL_LABEL } from '../report/report-labels';
import { formatKrw } from '../report/report-format';

export function offlineNarrative(doc: Omit<FindingsDocument, 'narrative'>): string {
  const { year, month } = parsePeriod(doc.period);
  const risks = doc.findings.filter((f) => f.severity !== 'INFO');
  const deadlines = doc.findings.filter((f) => f.category === 'FILING_DEADLINE');
  const m = doc.metrics;
  const parts = [
    `${doc.companyName}의 ${year}년 ${month}월 세무 위험 수준은 '${RISK_LEVEL_LABEL[doc.riskLevel]}'입니다.`,
    ...(m.lineCount === 0 ? [NO_TRANSACTIONS] : []),
    `이번 달 매출은 ${formatKrw(m.revenueMonth)}, 비용은 ${formatKrw(m.expenseMonth)}이며, ` +
      `사업연도 누계 매출은 ${formatKrw(m.revenueYtd)}, 누계 비용은 ${formatKrw(m.expenseYtd)}입니다.`,
    risks.length === 0
      ? '검토가 필요한 세무 위험 항목은 발견되지 않았습니다.'
      : `검토가 필요한 항목 ${risks.length}건: ${risks.map((f) => withoutFinalPeriod(f.message)).join('; ')}.`,
  ];
  const carried = doc.carryOver?.items ?? [];
  const resolved = carried.filter((c) => c.status === 'resolved').length;
  if (resolved > 0) parts.push(`지난달 발견 사항 ${carried.length}건 중 ${resolved}건은 조치가 완료되었습니다.`);
  if (deadlines.length > 0) parts.push(`다음 달 신고 일정: ${deadlines.map((f) => withoutFinalPeriod(f.message)).join(', ')}.`);
  parts.push('최종 판단은 담당 세무사가 합니다.');
  return parts.join(' ');
}

/** Rule messages are sentences of their own; listed inside one, their final period would double up. */
const withoutFinalPeriod = (message: string): string => message.replace(/\.\s*$/, '');
