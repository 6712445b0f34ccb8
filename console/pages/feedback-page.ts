// 규칙 피드백: per rule and threshold band, what the accountants made of the findings, and the threshold changes
// this suggests (a diff for a tax expert to review; nothing is applied from here).
import { html, type SafeHtml } from '../../lib/report/escape-html';
import type { ParametersProposal } from '../../lib/review/rule-feedback-proposal';
import { noProposalText, percent, proposalReason } from '../../lib/review/rule-feedback-report';
import { BAND_LABELS, reviewRates, reviewedCount, type FeedbackRow, type RuleFeedback } from '../../lib/review/rule-feedback';
import { layout, type PageContext } from './layout';

export const NO_GRAPH_NOTICE =
  '지식 그래프 서버(GRAPHDB_URL)가 설정되지 않아 검토 기록을 읽을 수 없습니다. 내장 그래프를 쓰는 경우 워커를 멈춘 뒤 npm run rule-feedback으로 보고서를 만드십시오.';

export interface FeedbackView {
  range: { from: string; to: string };
  /** Absent without a graph server. */
  result?: { feedback: RuleFeedback; proposal: ParametersProposal };
}

export function feedbackPage(ctx: PageContext, { range, result }: FeedbackView): string {
  return layout(
    ctx,
    '규칙 피드백',
    html`<form class="inline" method="get" action="/rule-feedback">
  <label>시작 월 <input name="from" value="${range.from}" pattern="\\d{4}-\\d{2}"></label>
  <label>종료 월 <input name="to" value="${range.to}" pattern="\\d{4}-\\d{2}"></label><button type="submit">보기</button>
</form>
${result ? feedbackBody(result.feedback, result.proposal) : html`<p class="notice" role="status" id="no-graph">${NO_GRAPH_NOTICE}</p>`}`,
  );
}

function feedbackBody(feedback: RuleFeedback, proposal: ParametersProposal): SafeHtml {
  return html`<p>지적이 있었던 기업 ${feedback.companies}곳 (${feedback.from}..${feedback.to}). 확인·조치완료·오탐 비율은 검토된 지적 대비,
검토율은 전체 지적 대비입니다. 구간 = 금액 / 기준 금액.</p>
<h2>전사</h2>
${rowsTable('firm-wide', feedback.firmWide)}
<h2>업종별</h2>
${feedback.byIndustry.map(({ industry, companies, rows }) => html`<h3>${industry} (기업 ${companies}곳)</h3>${rowsTable(undefined, rows)}`)}
<h2>기준 변경 제안</h2>
${
  proposal.proposals.length === 0
    ? html`<p id="no-proposal">${noProposalText()}</p>`
    : html`<ul>${proposal.proposals.map((p) => html`<li>${proposalReason(p)}</li>`)}</ul>
<p>세무 전문가가 검토한 뒤 parameters.ttl에 직접 반영합니다 (자동 적용 없음).</p>
<pre id="parameters-diff">${proposal.diff}</pre>`
}
<p class="notice">지난 1년 지적에 미치는 영향은 모든 기업-월을 다시 분석해야 하므로 이 화면에서는 계산하지 않습니다:
<code>npm run rule-feedback</code>으로 확인하십시오.</p>`;
}

function rowsTable(id: string | undefined, rows: readonly FeedbackRow[]): SafeHtml {
  if (rows.length === 0) return html`<p>지적 없음.</p>`;
  return html`<table${id ? html` id="${id}"` : ''}><thead><tr><th>규칙</th><th>구간</th><th>지적</th><th>미검토</th><th>확인</th><th>조치완료</th><th>오탐</th>
<th>검토율</th><th>확인율</th><th>조치율</th><th>오탐률</th></tr></thead>
<tbody>${rows.map(({ ruleId, band, counts: c }) => {
    const r = reviewRates(c);
    const reviewed = reviewedCount(c);
    return html`<tr><td>${ruleId}</td><td>${BAND_LABELS[band]}</td><td class="num">${c.findings}</td><td class="num">${c.open}</td>
<td class="num">${c.acknowledged}</td><td class="num">${c.resolved}</td><td class="num">${c.dismissed}</td>
<td class="num">${percent(r.reviewed, c.findings)}</td><td class="num">${percent(r.acknowledged, reviewed)}</td>
<td class="num">${percent(r.resolved, reviewed)}</td><td class="num">${percent(r.dismissed, reviewed)}</td></tr>`;
  })}</tbody></table>`;
}
