// Companies, their runs and one report's findings.
import type { FindingsDocument } from '../../lib/domain/findings';
import { html, type SafeHtml } from '../../lib/report/escape-html';
import { can } from '../../lib/security/roles';
import type { SkippedCompanyDir } from '../../lib/erp/company';
import type { CompanySummary } from '../services/companies';
import type { RunSummary } from '../services/runs';
import { csrfField, formatDateTime, layout, won, type PageContext } from './layout';

function runRows(runs: RunSummary[]): SafeHtml {
  if (runs.length === 0) return html`<p>실행 기록이 없습니다.</p>`;
  return html`<table>
<thead><tr><th>기업</th><th>기간</th><th>상태</th><th>위험도</th><th>시작</th><th>종료</th><th>리포트</th></tr></thead>
<tbody>${runs.map(
    (run) => html`<tr data-workflow-id="${run.workflowId}">
<td>${run.companyId && html`<a href="/companies/${encodeURIComponent(run.companyId)}">${run.companyId}</a>`}</td>
<td>${run.period}</td><td>${run.status}</td><td class="risk-${run.riskLevel ?? ''}">${run.riskLevel ?? ''}</td>
<td>${formatDateTime(run.startTime)}</td><td>${formatDateTime(run.closeTime)}</td>
<td>${run.status === 'COMPLETED' && run.companyId && run.period && reportLinks(run.companyId, run.period)}</td>
</tr>`,
  )}</tbody></table>`;
}

function reportLinks(companyId: string, period: string): SafeHtml {
  const base = `/reports/${encodeURIComponent(companyId)}/${period}`;
  return html`<a href="${base}">보기</a> · <a class="download" href="${base}/report.pdf">PDF</a>`;
}

export function overviewPage(
  ctx: PageContext,
  companies: CompanySummary[],
  runs: RunSummary[],
  skippedFolders: readonly SkippedCompanyDir[] = [],
): string {
  return layout(
    ctx,
    '기업·리포트',
    html`${
      skippedFolders.length > 0 &&
      html`<div class="notice" role="alert"><p>회사로 읽지 못해 실행하지 않는 폴더가 있습니다 (리포트 없음):</p>
<ul>${skippedFolders.map((f) => html`<li><code>companies/${JSON.stringify(f.name)}</code>: ${f.reason}</li>`)}</ul></div>`
    }
<h2>기업</h2>
<table><thead><tr><th>ID</th><th>상호</th></tr></thead>
<tbody>${companies.map(
      (c) => html`<tr><td><a href="/companies/${encodeURIComponent(c.id)}">${c.id}</a></td><td>${c.name ?? '(company.json 오류)'}</td></tr>`,
    )}</tbody></table>
<h2>최근 실행</h2>
${runRows(runs)}`,
  );
}

export function companyPage(ctx: PageContext, company: CompanySummary, runs: RunSummary[], notice?: string): string {
  const canStart = ctx.principal !== undefined && can(ctx.principal, 'runs:start');
  return layout(
    ctx,
    `${company.name ?? company.id} (${company.id})`,
    html`${notice && html`<p class="notice" role="status">${notice}</p>`}
${
  canStart &&
  html`<h2>실행</h2>
<form class="inline" method="post" action="/runs" id="start-run">
  ${csrfField(ctx)}<input type="hidden" name="companyId" value="${company.id}">
  <label>기간 <input name="period" placeholder="YYYY-MM" pattern="\\d{4}-\\d{2}" required></label>
  <button type="submit">리포트 실행</button>
</form>
<form class="inline" method="post" action="/backfills" id="backfill">
  ${csrfField(ctx)}<input type="hidden" name="companyId" value="${company.id}">
  <label>시작 <input name="from" placeholder="YYYY-MM" pattern="\\d{4}-\\d{2}" required></label>
  <label>끝 <input name="to" placeholder="YYYY-MM" pattern="\\d{4}-\\d{2}" required></label>
  <button type="submit">기간 일괄 실행</button>
</form>`
}
<h2>월별 리포트</h2>
${runRows(runs)}`,
  );
}

export function reportPage(ctx: PageContext, doc: FindingsDocument): string {
  return layout(
    ctx,
    `${doc.companyName} (${doc.companyId}) ${doc.period} 세무 리스크 리포트`,
    html`<p>종합 위험도: <strong class="risk-${doc.riskLevel}" id="risk-level">${doc.riskLevel}</strong>
 · <a class="download" href="/reports/${encodeURIComponent(doc.companyId)}/${doc.period}/report.pdf">PDF 내려받기</a>
 · <a class="review" href="/review/${encodeURIComponent(doc.companyId)}/${doc.period}">검토</a></p>
<h2>발견 사항 (${doc.findings.length})</h2>
<table><thead><tr><th>심각도</th><th>규칙</th><th>내용</th><th>금액</th><th>근거</th></tr></thead>
<tbody>${doc.findings.map(
      (f) => html`<tr><td class="risk-${f.severity}">${f.severity}</td><td>${f.ruleId}</td><td>${f.message}</td>
<td class="num">${won(f.amount)}</td><td>${f.basis ?? ''}</td></tr>`,
    )}</tbody></table>
${doc.narrative && html`<h2>분석 (${doc.narrative.model})</h2><pre>${doc.narrative.text}</pre>`}`,
  );
}
