/**
 * The monthly report and the admin's data-quality report as self-contained A4 HTML (TAX-RULES.md,
 * "Report layout"), one function per section. Every data value goes through the `html` tag, which
 * escapes it; charts are inline SVG (svg-charts.ts).
 */
import type {
  CarriedFinding,
  DataQualityViolation,
  EvidenceLine,
  Finding,
  FindingCategory,
  FindingsDocument,
  InsiderBalance,
  MonthlyPnl,
  Narrative,
  ReportFigures,
  RiskLevel,
  Severity,
} from '../domain/findings';
import type { LawArticleRef, NarrativeAuthor } from '../domain/findings';
import { OPENING_RULE_ID } from '../domain/balances';
import { assertPeriod } from '../domain/ids';
import { CONCLUSION } from '../analysis/offline-insights';
import { REVIEW_STATUS_LABELS } from '../review/finding-reviews';
import { html, rawHtml, type SafeHtml } from './escape-html';
import { CHART_COLOURS, groupedBarChart, limitGauge } from './svg-charts';

export interface ReportHtmlOptions {
  firmName: string;
  /** 담당 세무사 printed on the cover. */
  advisor: string;
}

export const DISCLAIMER = '최종 판단은 담당 세무사가 합니다.';
/** A month whose ledger has its header and no journal lines (a dormant company, a new one): valid, and said so. */
export const NO_TRANSACTIONS = '이번 달 장부에는 분개가 없습니다(거래 없는 달). 신고·납부 기한은 그대로 적용됩니다.';

export const RISK_LEVEL_LABEL: Record<RiskLevel, string> = { HIGH: '높음', MEDIUM: '보통', LOW: '낮음', NONE: '없음' };
export const SEVERITY_LABEL: Record<Severity, string> = { HIGH: '높음', MEDIUM: '보통', LOW: '낮음', INFO: '안내' };

const CATEGORY_LABEL: Record<FindingCategory, string> = {
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

/** What each data-quality rule checks (TAX-RULES.md), so the admin sees the rule, not just its id. */
const DQ_RULE_DESCRIPTION: Partial<Record<string, string>> = {
  'DQ-REQUIRED': '일자, 계정코드, 금액(차변 또는 대변 하나)이 있어야 합니다',
  'DQ-DATE': '일자가 올바르고 원장 파일의 월에 속해야 합니다',
  'DQ-AMOUNT': '금액은 0 이상의 정수이고 차변·대변 중 하나만 0이 아니어야 합니다',
  'DQ-ACCOUNT': '계정코드가 표준 계정과목표 또는 회사 accounts.csv에 있어야 합니다',
  'DQ-BALANCE': '전표마다 차변 합계와 대변 합계가 같아야 합니다',
  'DQ-BIZREGNO': '사업자등록번호 검증번호가 맞아야 합니다',
};

const SEVERITY_RANK: Record<Severity, number> = { HIGH: 3, MEDIUM: 2, LOW: 1, INFO: 0 };
/** Scorecard rows, in report order; deadlines have their own section. */
const SCORECARD_CATEGORIES = (Object.keys(CATEGORY_LABEL) as FindingCategory[]).filter((c) => c !== 'FILING_DEADLINE');
const WEEKDAY = ['일', '월', '화', '수', '목', '금', '토'];

const STYLE = rawHtml(`
@page { size: A4; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK KR", sans-serif; font-size: 10pt; line-height: 1.55; color: #1f2328; margin: 0; }
h1 { font-size: 22pt; margin: 0 0 6mm; }
h2 { break-after: avoid; font-size: 14pt; border-bottom: 2px solid #1f3a5f; padding-bottom: 1.5mm; margin: 8mm 0 4mm; color: #1f3a5f; }
h3 { font-size: 11pt; margin: 0; }
section { break-inside: auto; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0; }
th, td { border: 1px solid #c9d1d9; padding: 1.5mm 2mm; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef2f6; font-weight: 700; }
td.num, th.num { text-align: right; white-space: nowrap; }
.cover { break-after: page; padding-top: 40mm; }
.cover .firm { font-size: 12pt; color: #57606a; margin-bottom: 4mm; }
.cover table { width: auto; min-width: 110mm; margin-top: 10mm; }
.cover th { width: 32mm; }
.nowrap, .badge { white-space: nowrap; }
.badge { display: inline-block; padding: 0.3mm 2.5mm; border-radius: 2mm; font-weight: 700; font-size: 9pt; }
.st-HIGH { background: #d32f2f; color: #fff; }
.st-MEDIUM { background: #f59e0b; color: #1f2328; }
.st-LOW { background: #fde047; color: #1f2328; }
.st-NONE, .st-INFO { background: #2e7d32; color: #fff; }
.overall { font-size: 12pt; margin-bottom: 3mm; }
.finding { border: 1px solid #c9d1d9; border-left-width: 3mm; padding: 3mm 4mm; margin: 0 0 5mm; break-inside: avoid; }
.finding.sev-HIGH { border-left-color: #d32f2f; }
.finding.sev-MEDIUM { border-left-color: #f59e0b; }
.finding.sev-LOW { border-left-color: #fde047; }
.finding.sev-INFO { border-left-color: #2e7d32; }
.finding header { display: flex; gap: 3mm; align-items: center; margin-bottom: 2mm; }
.finding .rule { color: #57606a; font-size: 9pt; }
.part { margin: 1.5mm 0; }
.part > .label { font-weight: 700; color: #1f3a5f; margin-right: 2mm; }
.facts { margin: 1mm 0 0; padding-left: 5mm; }
.evidence { font-size: 8.5pt; }
.evidence .memo { width: 45%; }
th.location { width: 45mm; }
.dq-details { font-size: 9pt; }
.narrative p { margin: 0 0 3mm; white-space: pre-line; }
.meta { color: #57606a; font-size: 9pt; }
ul.articles { margin: 1mm 0 0; padding-left: 5mm; font-size: 9pt; }
ul.articles cite { font-style: normal; font-weight: 700; }
ol.actions { margin: 0 0 3mm; padding-left: 6mm; }
.empty { color: #57606a; }
table.pnl td.num, table.pnl th.num { width: 24mm; }
table.pnl tr.total td { font-weight: 700; background: #f6f8fa; }
table.pnl td.sub { padding-left: 6mm; color: #57606a; }
.tracker { break-inside: avoid; margin: 0 0 6mm; }
.tracker h3 { margin-bottom: 1mm; }
svg.chart { display: block; width: 100%; height: auto; margin: 1mm 0 2mm; }
.chart-block { break-inside: avoid; }
.disclaimer { margin-top: 10mm; padding: 3mm 4mm; border-top: 1px solid #c9d1d9; font-size: 9pt; color: #57606a; }
.disclaimer strong { color: #1f2328; }
`);

export function renderReportHtml(doc: FindingsDocument, opts: ReportHtmlOptions): string {
  const deadlines = doc.findings.filter((f) => f.category === 'FILING_DEADLINE');
  const risks = doc.findings.filter((f) => f.category !== 'FILING_DEADLINE');
  return page(`${doc.companyName} ${formatReportMonth(doc.period)} 세무 리스크 리포트`, [
    cover(doc, opts),
    scorecard(doc),
    profitAndLoss(doc),
    // Older findings.json have no figures: their reports had neither section.
    doc.figures && limitTrackers(doc.figures),
    doc.figures && insiderBalances(doc.figures, doc),
    proofGaps(risks),
    filingCalendar(doc.period, deadlines),
    findingsSection(doc, risks),
    doc.carryOver && carryOverSection(doc.carryOver),
    narrativeSection(doc.narrative),
    disclaimer(),
  ]);
}

/** The admin's report for a ledger that failed data quality: which rule failed where, and why. */
export function renderDataQualityReportHtml(doc: FindingsDocument, opts: ReportHtmlOptions): string {
  return page(`${doc.companyName} ${formatReportMonth(doc.period)} 장부 데이터 품질 오류 보고서`, [
    titleBlock('장부 데이터 품질 오류 보고서', doc, opts),
    dataQualitySummary(doc.dataQuality),
    dataQualityTable(doc.dataQuality.details),
  ]);
}

/** "2024-12" → "2024년 12월". */
export function formatReportMonth(period: string): string {
  const [year, month] = assertPeriod(period).split('-');
  return `${year}년 ${Number(month)}월`;
}

const KRW = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 });

/** 1234000 → "1,234,000원". */
export function formatKrw(amount: number): string {
  return `${KRW.format(amount)}원`;
}

const SEOUL = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Seoul',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** An ISO instant as Seoul wall-clock time, "2025-01-05 09:30 KST", whatever the host's time zone. */
export function formatSeoulTime(iso: string): string {
  const part = Object.fromEntries(SEOUL.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} KST`;
}

/** "2025-01-10" → "2025-01-10 (금)". */
function formatDueDate(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  const weekday = WEEKDAY[new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay()];
  return weekday === undefined ? ymd : `${ymd} (${weekday})`;
}

function nextReportMonth(period: string): string {
  const [year, month] = assertPeriod(period).split('-').map(Number);
  return month === 12 ? `${year! + 1}-01` : `${year}-${String(month! + 1).padStart(2, '0')}`;
}

function page(title: string, sections: (SafeHtml | undefined)[]): string {
  return html`<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
${sections}
</body>
</html>
`.markup;
}

function titleBlock(title: string, doc: FindingsDocument, opts: ReportHtmlOptions): SafeHtml {
  return html`<header>
<div class="firm">${opts.firmName}</div>
<h1>${title}</h1>
<table>
<tr><th>회사</th><td>${doc.companyName}</td></tr>
<tr><th>사업자등록번호</th><td>${doc.companyBizRegNo}</td></tr>
<tr><th>보고 기간</th><td>${formatReportMonth(doc.period)}</td></tr>
<tr><th>담당 세무사</th><td>${opts.advisor}</td></tr>
<tr><th>작성 일시</th><td>${formatSeoulTime(doc.generatedAt)}</td></tr>
</table>
</header>`;
}

function cover(doc: FindingsDocument, opts: ReportHtmlOptions): SafeHtml {
  return html`<section class="cover">${titleBlock('월간 세무 리스크 리포트', doc, opts)}</section>`;
}

function statusBadge(level: RiskLevel | Severity, label: string): SafeHtml {
  return html`<span class="badge st-${level}">${label}</span>`;
}

/** The highest severity among findings; INFO and nothing both mean no risk. */
function categoryStatus(findings: readonly Finding[]): RiskLevel {
  const top = findings.reduce<Severity>((acc, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[acc] ? f.severity : acc), 'INFO');
  return top === 'INFO' ? 'NONE' : top;
}

function scorecard(doc: FindingsDocument): SafeHtml {
  const rows = SCORECARD_CATEGORIES.map((category) => {
    const inCategory = doc.findings.filter((f) => f.category === category);
    const status = categoryStatus(inCategory);
    return html`<tr><td>${CATEGORY_LABEL[category]}</td><td>${statusBadge(status, status === 'NONE' ? '이상 없음' : RISK_LEVEL_LABEL[status])}</td><td class="num">${inCategory.length}건</td></tr>`;
  });
  const dq = doc.dataQuality;
  return html`<section>
<h2>요약</h2>
<div class="overall">종합 위험도 ${statusBadge(doc.riskLevel, RISK_LEVEL_LABEL[doc.riskLevel])}</div>
<table>
<thead><tr><th>항목</th><th>상태</th><th class="num">발견</th></tr></thead>
<tbody>${rows}</tbody>
</table>
<p class="meta">장부 데이터 검증: 위반 ${dq.violations}건, 경고 ${dq.warnings}건 (분개 ${doc.metrics.lineCount}줄)</p>
</section>`;
}

/** Section 3: the month's P&L against the month before; findings.json written before `figures` have the totals only. */
function profitAndLoss(doc: FindingsDocument): SafeHtml {
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
    (r) => html`<tr${r.kind === 'total' ? rawHtml(' class="total"') : ''}><td${r.kind === 'sub' ? rawHtml(' class="sub"') : ''}>${r.label}</td><td class="num">${formatKrw(r.current)}</td>${
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

/** −1234000 → "-1,234,000원", 1234000 → "+1,234,000원". */
function formatChange(change: number): string {
  return `${change > 0 ? '+' : ''}${formatKrw(change)}`;
}

/** The change against the earlier amount's size, one decimal; "-" when there is nothing to compare with. */
function formatChangeRate(current: number, previous: number): string {
  if (previous === 0) return '-';
  const rate = ((current - previous) / Math.abs(previous)) * 100;
  return `${rate > 0 ? '+' : ''}${rate.toFixed(1)}%`;
}

/** value / limit as a percentage, one decimal. */
function formatShare(value: number, limit: number): string {
  return limit > 0 ? `${((value / limit) * 100).toFixed(1)}%` : '-';
}

/** Label / value pairs as one header row over one value row. */
function factRow(facts: readonly [string, string][]): SafeHtml {
  return html`<table>
<thead><tr>${facts.map(([label]) => html`<th class="num">${label}</th>`)}</tr></thead>
<tbody><tr>${facts.map(([, value]) => html`<td class="num">${value}</td>`)}</tr></tbody>
</table>`;
}

/** Section 4: entertainment and vehicle cost of the fiscal year so far against their limits. */
function limitTrackers({ entertainment, vehicleCost }: ReportFigures): SafeHtml {
  const ent =
    entertainment === undefined
      ? html`<p class="empty">기업업무추진비 한도 자료가 없습니다.</p>`
      : html`${limitGauge('기업업무추진비 누계와 손금 한도', entertainment.ytd, entertainment.limit, entertainment.warnLevel)}
${factRow([
  ['누계', formatKrw(entertainment.ytd)],
  ['손금 한도 (월할)', formatKrw(entertainment.limit)],
  ['경고 수준', formatKrw(entertainment.warnLevel)],
  ['한도 대비', formatShare(entertainment.ytd, entertainment.limit)],
])}`;
  return html`<section>
<h2>한도 관리</h2>
<div class="tracker"><h3>기업업무추진비 (사업연도 누계)</h3>
${ent}
</div>
<div class="tracker"><h3>업무용승용차 관련 비용 (사업연도 누계)</h3>
${vehicleTracker(vehicleCost)}
</div>
</section>`;
}

function vehicleTracker(vehicle: ReportFigures['vehicleCost']): SafeHtml {
  if (vehicle === undefined) return html`<p class="empty">업무용승용차와 차량 관련 비용이 없습니다.</p>`;
  if (vehicle.limit === undefined) {
    return html`${factRow([['누계', formatKrw(vehicle.ytd)]])}
<p class="meta">운행기록부를 작성하지 않은 차량이 없어 비용 한도가 적용되지 않습니다.</p>`;
  }
  return html`${limitGauge('업무용승용차 관련 비용 누계와 한도', vehicle.ytd, vehicle.limit)}
${factRow([
  ['누계', formatKrw(vehicle.ytd)],
  ['한도 (월할)', formatKrw(vehicle.limit)],
  ['운행기록부 미작성 차량', `${vehicle.vehiclesWithoutLog}대`],
  ['한도 대비', formatShare(vehicle.ytd, vehicle.limit)],
])}`;
}

const INSIDER_SERIES = [
  { key: 'provisionalPayment', label: '가지급금', colour: CHART_COLOURS.over },
  { key: 'suspenseReceipt', label: '가수금', colour: '#1f3a5f' },
] as const;

/**
 * Section 5: month-end balances of 가지급금 and 가수금 over the fiscal year from the balance it opened with, and the
 * month's 인정이자; a fiscal year whose opening balances are unknown says so.
 */
function insiderBalances(figures: ReportFigures, { period, dataQuality }: FindingsDocument): SafeHtml {
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

/** Section 6: every line of the MISSING_PROOF findings, i.e. without qualifying proof above its threshold. */
function proofGaps(risks: readonly Finding[]): SafeHtml {
  const lines = risks
    .filter((f) => f.category === 'MISSING_PROOF')
    .flatMap((f) => f.evidence)
    .sort((a, b) => a.date.localeCompare(b.date));
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  return html`<section>
<h2>적격증빙 누락</h2>
${
  lines.length === 0
    ? html`<p class="empty">기준 금액을 넘는 적격증빙 없는 전표가 없습니다.</p>`
    : html`<p>증빙구분이 '없음'이고 기준 금액을 넘는 전표가 ${lines.length}건, 합계 ${formatKrw(total)}입니다.</p>${evidenceTable(lines)}`
}
</section>`;
}

/** Year-to-date figures add up only the months in the graph; say which, and which are missing. */
function ytdCoverage({ ytdMonths, ytdMonthsMissing }: FindingsDocument['metrics']): SafeHtml {
  const span = ytdMonths.length > 0 ? `${ytdMonths[0]} ~ ${ytdMonths.at(-1)} (${ytdMonths.length}개월)` : '-';
  const missing = ytdMonthsMissing.length > 0 ? ` · 자료 없음: ${ytdMonthsMissing.join(', ')}` : '';
  return html`<p class="meta">누계 반영 기간: ${span}${missing}</p>`;
}

function filingCalendar(period: string, deadlines: readonly Finding[]): SafeHtml {
  const sorted = [...deadlines].sort((a, b) => (a.dueDate ?? '').localeCompare(b.dueDate ?? ''));
  const body =
    sorted.length === 0
      ? html`<p class="empty">다음 달 신고·납부 일정이 없습니다.</p>`
      : html`<table>
<thead><tr><th>기한</th><th>내용</th><th>근거</th></tr></thead>
<tbody>${sorted.map((f) => html`<tr><td class="num">${f.dueDate ? formatDueDate(f.dueDate) : '-'}</td><td>${f.message}</td><td>${f.basis}</td></tr>`)}</tbody>
</table>`;
  return html`<section>
<h2>다음 달 신고·납부 일정 (${formatReportMonth(nextReportMonth(period))})</h2>
${body}
</section>`;
}

function findingsSection(doc: FindingsDocument, findings: readonly Finding[]): SafeHtml {
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const conclusions = doc.narrative.insights?.conclusions;
  const articles = doc.grounding?.articles ?? [];
  const card = (f: Finding) =>
    findingCard(
      f,
      conclusions?.[doc.findings.indexOf(f)] ?? CONCLUSION[f.category],
      articles.filter((a) => a.rules.includes(f.ruleId)),
    );
  return html`<section>
<h2>발견 사항</h2>
${sorted.length === 0 ? html`<p class="empty">이번 달 발견된 세무 리스크가 없습니다.</p>` : sorted.map(card)}
</section>`;
}

/** One finding in the four parts the firm writes them in: 현재상황 → 근거 → 결론 → 참고. */
function findingCard(f: Finding, conclusion: string, articles: readonly LawArticleRef[]): SafeHtml {
  return html`<article class="finding sev-${f.severity}">
<header>${statusBadge(f.severity, SEVERITY_LABEL[f.severity])}<h3>${CATEGORY_LABEL[f.category]}</h3><span class="rule">${f.ruleId}</span></header>
<div class="part"><span class="label">현재상황</span>${f.message}${findingFacts(f)}</div>
<div class="part"><span class="label">근거</span>${f.basis}${articles.length > 0 && html`<ul class="articles">${articles.map((a) => html`<li><cite>${a.law} ${a.article} (${a.title})</cite>: ${a.text}</li>`)}</ul>`}</div>
<div class="part"><span class="label">결론</span>${conclusion}</div>
<div class="part"><span class="label">참고</span>${evidenceTable(f.evidence)}</div>
</article>`;
}

function findingFacts(f: Finding): SafeHtml | false {
  const facts: [string, number | undefined][] = [
    ['금액', f.amount],
    ['기준', f.threshold],
    ['인정이자', f.accruedInterest],
  ];
  const present = facts.filter((fact): fact is [string, number] => fact[1] !== undefined);
  return present.length > 0 && html`<ul class="facts">${present.map(([label, value]) => html`<li>${label}: ${formatKrw(value)}</li>`)}</ul>`;
}

function evidenceTable(lines: readonly EvidenceLine[]): SafeHtml {
  if (lines.length === 0) return html`<span class="empty">관련 전표 없음</span>`;
  return html`<table class="evidence">
<thead><tr><th>일자</th><th>전표</th><th>계정</th><th class="num">금액</th><th class="memo">적요</th></tr></thead>
<tbody>${lines.map(
    (l) =>
      html`<tr><td class="nowrap">${l.date}</td><td>${l.voucher ?? '-'}</td><td>${l.account}</td><td class="num">${formatKrw(l.amount)}</td><td class="memo">${l.memo ?? ''}</td></tr>`,
  )}</tbody>
</table>`;
}

/**
 * 조치 현황: last month's findings and what the firm made of them. Findings marked 오탐 that recurred are not
 * raised again (FindingsDocument.suppressed): the firm sees them in the console, the customer only here as 오탐.
 */
function carryOverSection({ previousPeriod, items }: NonNullable<FindingsDocument['carryOver']>): SafeHtml {
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

function narrativeSection(narrative: Narrative): SafeHtml {
  const paragraphs = narrative.text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const insights = narrative.insights;
  return html`<section class="narrative">
<h2>종합 의견</h2>
<p class="meta">요약 작성: ${authorLabel(narrative)}${insights && html` · 결론과 다음 달 할 일 작성: ${authorLabel(insights)}`}</p>
${paragraphs.map((p) => html`<p>${p}</p>`)}
${insights && insights.actions.length > 0 && html`<h3>다음 달 할 일</h3><ol class="actions">${insights.actions.map((a) => html`<li>${a}</li>`)}</ol>`}
</section>`;
}

/** Who wrote a part: the model (and whether it stood in for a failed one) or the offline rules. */
function authorLabel(author: NarrativeAuthor): string {
  if (author.model === 'offline') return author.fallbackUsed ? '오프라인 (규칙 기반, AI 모델 응답 실패로 대체)' : '오프라인 (규칙 기반 자동 작성)';
  return `AI 모델 ${author.model}${author.fallbackUsed ? ' (대체 모델)' : ''}${author.cached ? ' (캐시)' : ''}`;
}

function disclaimer(): SafeHtml {
  return html`<section class="disclaimer">
<p>이 리포트는 제출된 장부 데이터를 규칙에 따라 자동 분석한 결과이며, 세무 신고나 법률 자문을 대신하지 않습니다.</p>
<p><strong>${DISCLAIMER}</strong></p>
</section>`;
}

function dataQualitySummary(dq: FindingsDocument['dataQuality']): SafeHtml {
  return html`<section>
<h2>요약</h2>
<p>위반 ${statusBadge(dq.violations > 0 ? 'HIGH' : 'NONE', `${dq.violations}건`)} 경고 ${statusBadge(dq.warnings > 0 ? 'LOW' : 'NONE', `${dq.warnings}건`)}</p>
<p>${dq.violations > 0 ? '위반 사항이 있어 이번 달 고객 리포트는 발송되지 않았습니다. 아래 줄을 원장에서 수정한 뒤 다시 실행해 주십시오. 재시도만으로는 해결되지 않습니다.' : '위반 사항은 없습니다.'}</p>
</section>`;
}

/** Violations before warnings, then by location, so the admin can fix a file top to bottom. */
function dataQualityTable(details: readonly DataQualityViolation[]): SafeHtml {
  const sorted = [...details].sort(
    (a, b) =>
      Number(a.severity === 'Warning') - Number(b.severity === 'Warning') ||
      a.focus.localeCompare(b.focus) ||
      (a.sourceLine ?? 0) - (b.sourceLine ?? 0),
  );
  return html`<section>
<h2>상세 내역</h2>
${
  sorted.length === 0
    ? html`<p class="empty">상세 내역이 없습니다.</p>`
    : html`<table class="dq-details">
<thead><tr><th>규칙</th><th class="nowrap">구분</th><th class="location">위치 (파일:줄)</th><th>검사 내용</th><th>사유</th></tr></thead>
<tbody>${sorted.map(
        (v) =>
          html`<tr><td class="nowrap">${v.ruleId}</td><td>${statusBadge(v.severity === 'Violation' ? 'HIGH' : 'LOW', v.severity === 'Violation' ? '위반' : '경고')}</td><td>${v.sourceLine === undefined ? v.focus : `${v.focus}:${v.sourceLine}`}</td><td>${DQ_RULE_DESCRIPTION[v.ruleId] ?? '-'}</td><td>${v.message}</td></tr>`,
      )}</tbody>
</table>`
}
</section>`;
}
