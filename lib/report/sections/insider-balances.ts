/**
 * Section 5 of the customer report: month-end balances of 가지급금 and 가수금 over the fiscal year from the balance it
 * opened with, and the month's 인정이자; a fiscal year whose opening balances are unknown says so.
 */
import { OPENING_RULE_ID } from '../../domain/balances';
import type { FindingsDocument, InsiderBalance, ReportFigures } from '../../domain/findings';
import { html, type SafeHtml } from '../escape-html';
import { formatKrw, formatReportMonth } from '../report-format';
import { CHART_COLOURS, groupedBarChart } from '../svg-charts';

const INSIDER_SERIES = [
  { key: 'provisionalPayment', label: '가지급금', colour: CHART_COLOURS.over },
  { key: 'suspenseReceipt', label: '가수금', colour: '#1f3a5f' },
] as const;

export function insiderBalances(figures: ReportFigures, { period, dataQuality }: FindingsDocument): SafeHtml {
  const unknownOpening = dataQuality.details.filter((d) => d.ruleId === OPENING_RULE_ID).map((d) => html`<p class="meta">${d.message}</p>`);
  const shown = INSIDER_SERIES.flatMap((s) => {
    const balance: (InsiderBalance & { accruedInterest?: number }) | undefined = figures[s.key];
    return balance && (balance.balance !== 0 || balance.trend.some((m) => m.balance !== 0)) ? [{ ...s, balance }] : [];
  });
  if (shown.length === 0) {
    return html`<section><h2>가지급금·가수금</h2><p class="empty">사업연도 중 가지급금·가수금 잔액이 없습니다.</p>${unknownOpening}</section>`;
  }
  const months = shown[0]!.balance.trend.map((m) => m.period);
  const at = (b: InsiderBalance, month: string) => b.trend.find((m) => m.period === month)?.balance ?? 0;
  const chart = groupedBarChart(
    '가지급금·가수금 월말 잔액 추이',
    months.map((m) => `${Number(m.slice(5))}월`),
    shown.map((s) => ({ label: s.label, colour: s.colour, values: months.map((m) => at(s.balance, m)) })),
    formatKrw,
  );
  return html`<section>
<h2>가지급금·가수금</h2>
<table>
<thead><tr><th>구분</th><th class="num">${formatReportMonth(period)}말 잔액</th><th class="num">당월 인정이자</th></tr></thead>
<tbody>${shown.map(
    (s) =>
      html`<tr><td>${s.label} (${s.balance.account})</td><td class="num">${formatKrw(s.balance.balance)}</td><td class="num">${s.balance.accruedInterest === undefined ? '-' : formatKrw(s.balance.accruedInterest)}</td></tr>`,
  )}</tbody>
</table>
<p class="meta">인정이자는 당월 가지급금의 일별 잔액에 인정이자율을 적용한 금액으로, 익금산입 대상입니다.</p>
${unknownOpening}
<div class="chart-block">
<h3>월말 잔액 추이</h3>
${chart}
</div>
<table>
<thead><tr><th>월</th>${shown.map((s) => html`<th class="num">${s.label}</th>`)}</tr></thead>
<tbody>${
    // findings.json written before the opening balance have no such row.
    shown.every((s) => s.balance.opening !== undefined) &&
    html`<tr><td>사업연도 기초</td>${shown.map((s) => html`<td class="num">${formatKrw(s.balance.opening ?? 0)}</td>`)}</tr>`
  }${months.map((m) => html`<tr><td>${formatReportMonth(m)}</td>${shown.map((s) => html`<td class="num">${formatKrw(at(s.balance, m))}</td>`)}</tr>`)}</tbody>
</table>
</section>`;
}
