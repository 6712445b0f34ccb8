/** The customer report's 다음 달 신고·납부 일정: the FILING_DEADLINE findings by due date. */
import type { Finding } from '../../domain/findings';
import { html, type SafeHtml } from '../escape-html';
import { nextMonth } from '../../domain/periods';
import { formatDueDate, formatReportMonth } from '../report-format';

export function filingCalendar(period: string, deadlines: readonly Finding[]): SafeHtml {
  const sorted = [...deadlines].sort((a, b) => (a.dueDate ?? '').localeCompare(b.dueDate ?? ''));
  const body =
    sorted.length === 0
      ? html`<p class="empty">다음 달 신고·납부 일정이 없습니다.</p>`
      : html`<table>
<thead><tr><th>기한</th><th>내용</th><th>근거</th></tr></thead>
<tbody>${sorted.map((f) => html`<tr><td class="num">${f.dueDate ? formatDueDate(f.dueDate) : '-'}</td><td>${f.message}</td><td>${f.basis}</td></tr>`)}</tbody>
</table>`;
  return html`<section>
<h2>다음 달 신고·납부 일정 (${formatReportMonth(nextMonth(period))})</h2>
${body}
</section>`;
}
