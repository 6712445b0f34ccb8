/**
 * 조치 현황: last month's findings and what the firm made of them. Findings marked 오탐 that recurred are not
 * raised again (FindingsDocument.suppressed): the firm sees them in the console, the customer only here as 오탐.
 */
import type { CarriedFinding, FindingsDocument } from '../../domain/findings';
import { REVIEW_STATUS_LABELS } from '../../review/finding-reviews';
import { html, type SafeHtml } from '../escape-html';
import { formatKrw, formatReportMonth } from '../report-format';

export function carryOverSection({ previousPeriod, items }: NonNullable<FindingsDocument['carryOver']>): SafeHtml {
  const row = (c: CarriedFinding) =>
    html`<tr><td class="nowrap">${c.ruleId}</td><td>${c.message}</td><td class="num">${c.amount === undefined ? '-' : formatKrw(c.amount)}</td><td class="nowrap">${REVIEW_STATUS_LABELS[c.status]}</td><td>${c.note ?? ''}</td><td class="nowrap">${c.recurring ? '재발' : '-'}</td></tr>`;
  return html`<section>
<h2>조치 현황</h2>
<p class="meta">${formatReportMonth(previousPeriod)} 발견 사항의 검토·조치 상태입니다. '재발'은 이번 달에 같은 사항이 다시 발견되었다는 뜻입니다.</p>
<table>
<thead><tr><th>규칙</th><th>내용</th><th class="num">금액</th><th>상태</th><th>메모</th><th>이번 달</th></tr></thead>
<tbody>${items.map(row)}</tbody>
</table>
</section>`;
}
