/** The customer report's opening: the cover and the scorecard (요약), one status per finding category. */
import type { Finding, FindingCategory, FindingsDocument, RiskLevel, Severity } from '../../domain/findings';
import { html, type SafeHtml } from '../escape-html';
import { CATEGORY_LABEL, RISK_LEVEL_LABEL, SEVERITY_RANK } from '../report-labels';
import { type ReportHtmlOptions, statusBadge, titleBlock } from '../report-page';

/** Scorecard rows, in report order; deadlines have their own section. */
const SCORECARD_CATEGORIES = (Object.keys(CATEGORY_LABEL) as FindingCategory[]).filter((c) => c !== 'FILING_DEADLINE');

export function cover(doc: FindingsDocument, opts: ReportHtmlOptions): SafeHtml {
  return html`<section class="cover">${titleBlock('월간 세무 리스크 리포트', doc, opts)}</section>`;
}

/** The highest severity among findings; INFO and nothing both mean no risk. */
function categoryStatus(findings: readonly Finding[]): RiskLevel {
  const top = findings.reduce<Severity>((acc, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[acc] ? f.severity : acc), 'INFO');
  return top === 'INFO' ? 'NONE' : top;
}

export function scorecard(doc: FindingsDocument): SafeHtml {
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
