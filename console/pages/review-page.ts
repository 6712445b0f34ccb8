// The accountant's page for one company-month: the draft waiting for a decision (approve, or rewrite the summary
// and request the next draft), and each finding with its review (확인 / 조치완료 / 오탐) and that review's history.
import type { FindingsDocument } from '../../lib/domain/findings';
import { REVIEW_STATUSES } from '../../lib/domain/findings';
import { html, type SafeHtml } from '../../lib/report/escape-html';
import { REVIEW_STATUS_LABELS } from '../../lib/review/finding-reviews';
import { can } from '../../lib/security/roles';
import type { ReviewedFinding } from '../services/report-review';
import { csrfField, formatDateTime, layout, won, type PageContext } from './layout';
import { type ReviewDraft } from '../../lib/temporal-contract';

const STAGE_LABEL: Record<ReviewDraft['stage'], string> = {
  'awaiting-review': '검토 대기',
  'changes-requested': '수정 요청됨 (요약 수정 대기)',
  revising: '수정본 작성 중',
  approved: '승인됨',
  'sent-unapproved': '기한 경과로 미승인 발송',
};

export interface ReviewPageData {
  doc: FindingsDocument;
  draft?: ReviewDraft;
  /** Undefined when the console has no graph server to read reviews from. */
  findings?: ReviewedFinding[];
  notice?: string;
}

export function reviewPage(ctx: PageContext, { doc, draft, findings, notice }: ReviewPageData): string {
  const reviewer = ctx.principal !== undefined && can(ctx.principal, 'reports:review');
  const base = `/review/${encodeURIComponent(doc.companyId)}/${doc.period}`;
  return layout(
    ctx,
    `${doc.companyName} (${doc.companyId}) ${doc.period} 검토`,
    html`${notice && html`<p class="notice" role="status">${notice}</p>`}
<p>종합 위험도: <strong class="risk-${doc.riskLevel}" id="risk-level">${doc.riskLevel}</strong>
 · <a href="/reports/${encodeURIComponent(doc.companyId)}/${doc.period}">리포트 보기</a></p>
${draftSection(ctx, base, doc, draft, reviewer)}
${findingsSection(ctx, base, findings, reviewer)}
${suppressedSection(doc)}
${carryOverSection(doc)}`,
  );
}

function draftSection(ctx: PageContext, base: string, doc: FindingsDocument, draft: ReviewDraft | undefined, reviewer: boolean): SafeHtml {
  if (!draft) {
    const approval = doc.approval;
    return html`<section id="draft"><h2>발송 전 검토</h2><p>${
      approval
        ? approval.reviewer
          ? `제${approval.draftVersion}안을 ${approval.reviewer}이(가) ${formatDateTime(approval.at)}에 승인했습니다.`
          : `제${approval.draftVersion}안이 검토 기한이 지나 승인 없이 발송되었습니다.`
        : '이 달의 리포트는 검토를 기다리고 있지 않습니다.'
    }</p></section>`;
  }
  const waiting = draft.stage === 'awaiting-review' || draft.stage === 'changes-requested';
  return html`<section id="draft"><h2>발송 전 검토</h2>
<dl class="draft">
<dt>상태</dt><dd id="draft-stage" data-stage="${draft.stage}">${STAGE_LABEL[draft.stage]}</dd>
<dt>초안</dt><dd>제<span id="draft-version">${draft.draftVersion}</span>안 · <a href="${base}/draft.pdf">초안 PDF</a> <code title="sha256">${draft.pdfSha256.slice(0, 12)}</code></dd>
<dt>검토 기한</dt><dd>${formatDateTime(draft.deadlineAt)}${draft.escalated ? ' (기한 경과: 관리자에게 알림)' : ''} · 기한 후: ${draft.onDeadline === 'send' ? '미승인 발송' : '승인까지 보류'}</dd>
${draft.approvedBy && html`<dt>승인</dt><dd>${draft.approvedBy}</dd>`}
</dl>
${
  draft.requests.length > 0 &&
  html`<h3>수정 요청 기록</h3><ol class="requests">${draft.requests.map(
    (r) => html`<li>제${r.draftVersion}안 · ${r.reviewer} · ${formatDateTime(r.at)}: ${r.comment}</li>`,
  )}</ol>`
}
${
  reviewer &&
  waiting &&
  html`
<form method="post" action="${base}/approve" id="approve-form" class="decision">${csrfField(ctx)}
<input type="hidden" name="draftVersion" value="${draft.draftVersion}">
<label>승인 메모 <input name="note" maxlength="2000"></label>
<button type="submit">제${draft.draftVersion}안 승인 후 발송</button>
</form>
<form method="post" action="${base}/changes" id="changes-form" class="decision">${csrfField(ctx)}
<input type="hidden" name="draftVersion" value="${draft.draftVersion}">
<label>요약 (고객에게 보내는 분석 요약; 발견 사항은 규칙이 만든 그대로입니다)
<textarea name="narrative" rows="10" cols="100" maxlength="20000">${doc.narrative.text}</textarea></label>
<label>수정 사유 <input name="comment" required maxlength="2000"></label>
<button type="submit">수정 요청 (요약을 고친 경우 새 초안 작성)</button>
</form>`
}
</section>`;
}

/** What the rules found again but the firm had marked 오탐: not in the customer's report, so shown here. */
function suppressedSection(doc: FindingsDocument): SafeHtml {
  const suppressed = doc.suppressed ?? [];
  if (suppressed.length === 0) return html``;
  return html`<section id="suppressed"><h2>보고하지 않은 항목 (오탐 처리, ${suppressed.length})</h2>
<p>이전에 오탐으로 표시되어 이번 리포트에 넣지 않았습니다. 금액이 허용 범위를 넘게 늘면 다시 보고됩니다.</p>
<table><thead><tr><th>규칙</th><th>내용</th><th>금액</th><th>오탐 표시</th></tr></thead>
<tbody>${suppressed.map(
    (s) => html`<tr data-key="${s.findingKey}"><td>${s.finding.ruleId}</td><td>${s.finding.message}</td>
<td class="num">${won(s.finding.amount)}${s.dismissedAmount !== undefined && html`<br><small>표시 당시 ${won(s.dismissedAmount)}</small>`}</td>
<td>${s.dismissedIn} · ${s.reviewer}${s.reason && html`<br><small>${s.reason}</small>`}</td></tr>`,
  )}</tbody></table></section>`;
}

/** Last month's findings as the accountants left them: the report's 조치 현황. */
function carryOverSection(doc: FindingsDocument): SafeHtml {
  const carry = doc.carryOver;
  if (!carry || carry.items.length === 0) return html``;
  const suppressed = new Set((doc.suppressed ?? []).map((f) => f.findingKey));
  const thisMonth = (key: string, recurring: boolean) => (recurring ? '재발' : suppressed.has(key) ? '다시 잡혔으나 오탐이라 보고 안 함' : '-');
  return html`<section id="carry-over"><h2>조치 현황 (${carry.previousPeriod})</h2>
<table><thead><tr><th>규칙</th><th>내용</th><th>상태</th><th>이번 달</th></tr></thead>
<tbody>${carry.items.map(
    (i) => html`<tr data-key="${i.findingKey}" data-status="${i.status}"><td>${i.ruleId}</td><td>${i.message}</td>
<td>${REVIEW_STATUS_LABELS[i.status]}${i.note && html`<br><small>${i.note}</small>`}</td><td>${thisMonth(i.findingKey, i.recurring)}</td></tr>`,
  )}</tbody></table></section>`;
}

function findingsSection(ctx: PageContext, base: string, findings: ReviewedFinding[] | undefined, reviewer: boolean): SafeHtml {
  if (!findings) {
    return html`<section id="findings"><h2>발견 사항 검토</h2><p class="notice">검토 결과 표시는 그래프 서버(GRAPHDB_URL)가 있어야 합니다.</p></section>`;
  }
  return html`<section id="findings"><h2>발견 사항 검토 (${findings.length})</h2>
<table><thead><tr><th>심각도</th><th>규칙</th><th>내용</th><th>상태</th><th>기록</th>${reviewer && html`<th>검토</th>`}</tr></thead>
<tbody>${findings.map(({ finding, index, key, latest, history }) => {
    const status = latest?.status ?? 'open';
    return html`<tr id="finding-${index + 1}" data-key="${key}" data-status="${status}">
<td class="risk-${finding.severity}">${finding.severity}</td><td>${finding.ruleId}</td><td>${finding.message}</td>
<td class="review-status">${REVIEW_STATUS_LABELS[status]}${latest?.note && html`<br><small>${latest.note}</small>`}</td>
<td><ol class="review-history">${history.map(
      (r) => html`<li>v${r.version} ${REVIEW_STATUS_LABELS[r.status]} · ${r.reviewer} · ${formatDateTime(r.reviewedAt)}</li>`,
    )}</ol></td>
${
  reviewer &&
  html`<td><form method="post" action="${base}/findings" class="finding-review">${csrfField(ctx)}
<input type="hidden" name="findingKey" value="${key}"><input type="hidden" name="seenVersion" value="${latest?.version ?? 0}">
<select name="status">${REVIEW_STATUSES.map((s) => html`<option value="${s}" ${s === status ? 'selected' : ''}>${REVIEW_STATUS_LABELS[s]}</option>`)}</select>
<input name="note" placeholder="조치 내용 / 오탐 사유" maxlength="2000">
<button type="submit">저장</button></form></td>`
}
</tr>`;
  })}</tbody></table></section>`;
}
