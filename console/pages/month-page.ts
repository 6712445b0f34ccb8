// The month overview page: status counts, a GET filter form and one row per company with its trend as inline SVG.
import { FINDING_CATEGORIES, type FindingCategory } from '../../lib/domain/findings';
import { html, type SafeHtml } from '../../lib/report/escape-html';
import { RISK_LEVEL_LABEL } from '../../lib/report/report-labels';
import { riskSparkline } from '../../lib/report/svg-charts';
import { MONTH_STATUSES, RISK_LEVELS, type MonthOverview, type MonthRow, type MonthStatus } from '../services/month-overview';
import { layout, type PageContext } from './layout';

export const STATUS_LABEL: Record<MonthStatus, string> = {
  'not-started': '미시작',
  'waiting-for-ledger': '원장 대기',
  analysing: '분석 중',
  'awaiting-review': '검토 대기',
  sent: '발송 완료',
  failed: '실패',
};

/** Column heads short enough for nine columns side by side (the report's own labels are longer). */
const CATEGORY_HEAD: Record<FindingCategory, string> = {
  DATA_QUALITY: '데이터',
  ENTERTAINMENT_LIMIT: '업무추진비',
  MISSING_PROOF: '증빙',
  PROVISIONAL_PAYMENT: '가지급금',
  SUSPENSE_RECEIPT: '가수금',
  VEHICLE_EXPENSE: '승용차',
  EXPENSE_SPIKE: '비용 급증',
  MISCLASSIFICATION: '계정 분류',
  FILING_DEADLINE: '신고 기한',
};

const NONE = '-';

function select(name: string, label: string, current: string | undefined, options: ReadonlyArray<[value: string, text: string]>): SafeHtml {
  return html`<label>${label} <select name="${name}"><option value="">전체</option>${options.map(
    ([value, text]) => html`<option value="${value}"${value === current ? html` selected` : ''}>${text}</option>`,
  )}</select></label>`;
}

function filterForm(view: MonthOverview): SafeHtml {
  const { filter } = view;
  return html`<form class="inline" method="get" action="/months/${view.period}" id="month-filter">
${select(
  'risk',
  '위험도',
  filter.risk,
  RISK_LEVELS.map((r) => [r, RISK_LEVEL_LABEL[r]]),
)}
${select(
  'category',
  '분류',
  filter.category,
  FINDING_CATEGORIES.map((c) => [c, CATEGORY_HEAD[c]]),
)}
${select(
  'status',
  '상태',
  filter.status,
  MONTH_STATUSES.map((s) => [s, STATUS_LABEL[s]]),
)}
${select(
  'accountant',
  '담당 세무사',
  filter.accountant,
  view.accountants.map((a) => [a, a]),
)}
<button type="submit">적용</button> <a href="/months/${view.period}">초기화</a>
</form>`;
}

function summary(view: MonthOverview): SafeHtml {
  return html`<ul class="month-summary" id="month-summary">${MONTH_STATUSES.map(
    (s) => html`<li data-status="${s}"><a href="/months/${view.period}?status=${s}">${STATUS_LABEL[s]} <strong>${view.summary[s]}</strong></a></li>`,
  )}</ul>`;
}

function trend(row: MonthRow): SafeHtml | string {
  if (row.trend.length === 0) return NONE;
  return riskSparkline(
    `${row.companyId} 위험도 추이`,
    row.trend.map((p) => ({ risk: p.riskLevel, label: `${p.period} ${RISK_LEVEL_LABEL[p.riskLevel]} · 발견 ${p.findings}건` })),
  );
}

function row(period: string, r: MonthRow): SafeHtml {
  const id = encodeURIComponent(r.companyId);
  const count = (n: number | undefined) => (n === undefined ? NONE : n === 0 ? '' : n);
  return html`<tr data-company-id="${r.companyId}" data-status="${r.status}">
<td><a href="/companies/${id}">${r.companyName ?? r.companyId}</a><br><small>${r.companyId}</small></td>
<td>${r.accountant}</td>
<td class="status-${r.status}">${STATUS_LABEL[r.status]}</td>
<td class="risk-${r.riskLevel ?? ''}">${r.riskLevel ? RISK_LEVEL_LABEL[r.riskLevel] : NONE}</td>
${FINDING_CATEGORIES.map((c) => html`<td class="num" data-category="${c}">${r.categories ? count(r.categories[c] ?? 0) : NONE}</td>`)}
<td class="num change-new">${r.changes?.new ?? NONE}</td><td class="num change-resolved">${r.changes?.resolved ?? NONE}</td>
<td class="num change-recurring">${r.changes?.recurring ?? NONE}</td>
<td class="trend">${trend(r)}</td>
<td>${r.report === 'present' && html`<a href="/reports/${id}/${period}">리포트</a>`}${r.report === 'unreadable' && html`<span class="error-inline">리포트 읽기 오류</span>`}${r.status === 'awaiting-review' && html` <a class="review" href="/review/${id}/${period}">검토</a>`}</td>
</tr>`;
}

export function monthPage(ctx: PageContext, view: MonthOverview, previous: string, next: string): string {
  const total = Object.values(view.summary).reduce((a, b) => a + b, 0);
  return layout(
    ctx,
    `${view.period} 월간 현황`,
    html`<p><a href="/months/${previous}">← ${previous}</a> · <a href="/months/${next}">${next} →</a></p>
${summary(view)}
${filterForm(view)}
<p id="month-count">${total}개 기업 중 ${view.rows.length}개 표시</p>
<table class="month-overview">
<thead><tr><th>기업</th><th>담당 세무사</th><th>상태</th><th>위험도</th>${FINDING_CATEGORIES.map(
      (c) => html`<th title="${c}">${CATEGORY_HEAD[c]}</th>`,
    )}<th>신규</th><th>해소</th><th>반복</th><th>12개월 추이</th><th></th></tr></thead>
<tbody>${view.rows.map((r) => row(view.period, r))}</tbody>
</table>`,
  );
}
