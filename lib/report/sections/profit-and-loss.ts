/** Section 3 of the customer report: the month's P&L against the month before, and what the year-to-date adds up. */
import type { FindingsDocument, MonthlyPnl } from '../../domain/findings';
import { html, rawHtml, type SafeHtml } from '../escape-html';
import { formatChange, formatChangeRate, formatKrw, formatReportMonth } from '../report-format';
import { NO_TRANSACTIONS } from '../report-labels';

/** findings.json written before `figures` have the totals only. */
export function profitAndLoss(doc: FindingsDocument): SafeHtml {
  const pnl = doc.figures?.pnl;
  const { revenueYtd, expenseYtd } = doc.metrics;
  return html`<section>
<h2>월간 손익</h2>
${doc.metrics.lineCount === 0 && html`<p class="empty">${NO_TRANSACTIONS}</p>`}
${pnl ? pnlTable(pnl.current, pnl.previous) : metricsTable(doc.metrics)}
${pnl && html`<p class="meta">사업연도 누계: 매출 ${formatKrw(revenueYtd)} · 비용 ${formatKrw(expenseYtd)}</p>`}
${ytdCoverage(doc.metrics)}
</section>`;
}

function metricsTable(metrics: FindingsDocument['metrics']): SafeHtml {
  return html`<table>
<thead><tr><th>구분</th><th class="num">당월</th><th class="num">누계(사업연도 개시일부터)</th></tr></thead>
<tbody>
<tr><td>매출</td><td class="num">${formatKrw(metrics.revenueMonth)}</td><td class="num">${formatKrw(metrics.revenueYtd)}</td></tr>
<tr><td>비용</td><td class="num">${formatKrw(metrics.expenseMonth)}</td><td class="num">${formatKrw(metrics.expenseYtd)}</td></tr>
</tbody>
</table>`;
}

type PnlAmount = Exclude<keyof MonthlyPnl, 'period' | 'sga'>;
interface PnlRow {
  label: string;
  current: number;
  /** Absent when the month before is not in the graph. */
  previous?: number;
  kind?: 'total' | 'sub';
}

/** The P&L in statement order: groups empty in both months are left out, the results and SG&A never. */
function pnlRows(current: MonthlyPnl, previous: MonthlyPnl | undefined): PnlRow[] {
  const group = (label: string, key: PnlAmount, kind?: PnlRow['kind']): PnlRow => ({
    label,
    current: current[key],
    ...(previous && { previous: previous[key] }),
    ...(kind && { kind }),
  });
  const optional = (row: PnlRow) => (row.current !== 0 || (row.previous ?? 0) !== 0 ? [row] : []);
  const codes = [...new Set([...current.sga, ...(previous?.sga ?? [])].map((a) => a.code))].sort();
  const sga = codes.map((code): PnlRow => {
    const now = current.sga.find((a) => a.code === code);
    const before = previous?.sga.find((a) => a.code === code);
    return {
      label: `${code} ${now?.name ?? before?.name ?? ''}`,
      current: now?.amount ?? 0,
      ...(previous && { previous: before?.amount ?? 0 }),
      kind: 'sub',
    };
  });
  return [
    group('매출액', 'revenue'),
    ...optional(group('매출원가', 'costOfSales')),
    ...optional(group('제조원가', 'manufacturingCost')),
    group('판매비와관리비', 'sgaTotal'),
    ...sga,
    group('영업손익', 'operatingResult', 'total'),
    ...optional(group('영업외수익', 'nonOperatingIncome')),
    ...optional(group('영업외비용', 'nonOperatingExpense')),
    group('법인세비용차감전손익', 'ordinaryResult', 'total'),
  ];
}

function pnlTable(current: MonthlyPnl, previous: MonthlyPnl | undefined): SafeHtml {
  const rows = pnlRows(current, previous).map(
    (r) =>
      html`<tr${r.kind === 'total' ? rawHtml(' class="total"') : ''}><td${r.kind === 'sub' ? rawHtml(' class="sub"') : ''}>${r.label}</td><td class="num">${formatKrw(r.current)}</td>${
        r.previous !== undefined &&
        html`<td class="num">${formatKrw(r.previous)}</td><td class="num">${formatChange(r.current - r.previous)}</td><td class="num">${formatChangeRate(r.current, r.previous)}</td>`
      }</tr>`,
  );
  return html`<table class="pnl">
<thead><tr><th>구분</th><th class="num">당월 (${formatReportMonth(current.period)})</th>${
    previous && html`<th class="num">전월 (${formatReportMonth(previous.period)})</th><th class="num">증감</th><th class="num">증감률</th>`
  }</tr></thead>
<tbody>${rows}</tbody>
</table>
${!previous && html`<p class="meta">전월 장부가 없어 증감을 표시하지 않습니다.</p>`}`;
}

/** Year-to-date figures add up only the months in the graph; say which, and which are missing. */
function ytdCoverage({ ytdMonths, ytdMonthsMissing }: FindingsDocument['metrics']): SafeHtml {
  const span = ytdMonths.length > 0 ? `${ytdMonths[0]} ~ ${ytdMonths.at(-1)} (${ytdMonths.length}개월)` : '-';
  const missing = ytdMonthsMissing.length > 0 ? ` · 자료 없음: ${ytdMonthsMissing.join(', ')}` : '';
  return html`<p class="meta">누계 반영 기간: ${span}${missing}</p>`;
}
