// LLM cost per day, configuration (with the schedule an admin may change), secrets metadata and the audit log (a page at a time).
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord, type VerifyResult } from '../../lib/audit/audit-log';
import type { CostReport } from '../../lib/llm/cost-report';
import { html } from '../../lib/report/escape-html';
import type { ScheduleState } from '../../lib/schedule/monthly-schedule';
import type { SecretMetadata } from '../../lib/security/secret-settings';
import { csrfField, formatDateTime, layout, type PageContext } from './layout';

const usd = (n: number) => `$${n.toFixed(4)}`;

export function costsPage(ctx: PageContext, report: CostReport): string {
  return layout(
    ctx,
    `LLM 비용 ${report.period}`,
    html`<form class="inline" method="get" action="/costs">
  <label>리포트 월 <input name="month" value="${report.period}" pattern="\\d{4}-\\d{2}"></label><button type="submit">보기</button>
</form>
<p>합계 ${usd(report.total.usd)} · 호출 ${report.total.calls} · 캐시 적중률 ${(report.cacheHitRate * 100).toFixed(1)}% · 대체 모델 ${report.fallbacks} · 오프라인 ${report.offline}</p>
<h2>일별 (Asia/Seoul)</h2>
<table id="cost-by-day"><thead><tr><th>날짜</th><th>호출</th><th>캐시</th><th>입력 토큰</th><th>출력 토큰</th><th>USD</th></tr></thead>
<tbody>${report.byDay.map(
      (d) => html`<tr><td>${d.key}</td><td class="num">${d.calls}</td><td class="num">${d.cacheHits}</td>
<td class="num">${d.inputTokens}</td><td class="num">${d.outputTokens}</td><td class="num">${usd(d.usd)}</td></tr>`,
    )}</tbody></table>
<h2>모델별</h2>
<table><thead><tr><th>모델</th><th>호출</th><th>USD</th></tr></thead>
<tbody>${report.byModel.map((m) => html`<tr><td>${m.key}</td><td class="num">${m.calls}</td><td class="num">${usd(m.usd)}</td></tr>`)}</tbody></table>`,
  );
}

export interface SettingsView {
  config: Record<string, unknown>;
  /** Undefined when the schedule has not been created yet. */
  schedule?: ScheduleState;
  canEdit: boolean;
  /** Only for admins. */
  secrets?: SecretMetadata[];
  encryptionKeyIds?: { active?: string; all: string[] };
  notice?: string;
}

export function settingsPage(ctx: PageContext, view: SettingsView): string {
  const { schedule } = view;
  return layout(
    ctx,
    '설정',
    html`${view.notice && html`<p class="notice" role="status">${view.notice}</p>`}
<h2>월간 스케줄 (매월 1일 09:00 KST)</h2>
${
  schedule
    ? html`<p>상태: <strong id="schedule-state">${schedule.paused ? '일시 중지' : '활성'}</strong> · 동시 실행 ${schedule.concurrency}
 · 장부 대기 ${Math.round(schedule.ledgerWaitMs / 3_600_000)}시간 · 다음 실행 ${schedule.nextRuns.map(formatDateTime).join(', ')}</p>
${
  view.canEdit &&
  html`<form class="inline" method="post" action="/settings/schedule" id="schedule-form">
  ${csrfField(ctx)}
  <label>동시 실행 <input name="concurrency" type="number" min="1" max="64" value="${schedule.concurrency}"></label>
  <label>장부 대기(시간) <input name="ledgerWaitHours" type="number" min="1" max="720" value="${Math.round(schedule.ledgerWaitMs / 3_600_000)}"></label>
  <label>상태 <select name="paused"><option value="false" ${schedule.paused ? '' : 'selected'}>활성</option><option value="true" ${schedule.paused ? 'selected' : ''}>일시 중지</option></select></label>
  <button type="submit">저장</button>
</form>`
}`
    : html`<p>스케줄이 아직 없습니다: <code>npm run schedule</code>로 만드십시오.</p>`
}
${
  view.secrets &&
  html`<h2>시크릿 (이름과 설정 여부만)</h2>
<table id="secrets"><thead><tr><th>이름</th><th>용도</th><th>설정</th></tr></thead>
<tbody>${view.secrets.map((s) => html`<tr><td>${s.name}</td><td>${s.purpose}</td><td>${s.configured ? '설정됨' : '없음'}</td></tr>`)}</tbody></table>
<p>암호화 키 ID: ${view.encryptionKeyIds?.all.join(', ') || '없음 (저장 데이터 암호화 꺼짐)'}${view.encryptionKeyIds?.active && ` · 활성 ${view.encryptionKeyIds.active}`}</p>`
}
<h2>구성 (시크릿 제외)</h2>
<table id="config"><tbody>${Object.entries(view.config).map(
      ([name, value]) => html`<tr><th>${name}</th><td>${value === null || value === undefined ? '' : JSON.stringify(value)}</td></tr>`,
    )}</tbody></table>`,
  );
}

export interface AuditView {
  records: AuditRecord[];
  /** On the first page only: verifying reads the whole chain. */
  verify?: VerifyResult;
  filters: { limit: number; action?: AuditAction; target?: string };
  /** The next, older page's cursor (the last seq shown), when this page was full. */
  older?: number;
}

export function auditPage(ctx: PageContext, { records, verify, filters, older }: AuditView): string {
  const pageLink = (before?: number) => {
    const query = new URLSearchParams({ limit: String(filters.limit), action: filters.action ?? '', target: filters.target ?? '' });
    if (before !== undefined) query.set('before', String(before));
    return `/audit?${query.toString()}`;
  };
  return layout(
    ctx,
    '감사 로그',
    html`${
      verify &&
      html`<p id="audit-verify" class="${verify.ok ? 'notice' : 'error'}">${
        verify.ok
          ? `해시 체인 검증 통과: ${verify.records}건 (seq ${verify.firstSeq ?? '-'}..${verify.lastSeq ?? '-'})`
          : `해시 체인 검증 실패: ${verify.problems.join('; ')}`
      }</p>`
    }
<form class="inline" method="get" action="/audit" id="audit-filter">
  <label>행위 <select name="action"><option value="">전체</option>${AUDIT_ACTIONS.map(
    (a) => html`<option value="${a}" ${a === filters.action ? 'selected' : ''}>${a}</option>`,
  )}</select></label>
  <label>대상 <input name="target" value="${filters.target ?? ''}"></label>
  <input type="hidden" name="limit" value="${filters.limit}">
  <button type="submit">보기</button>
</form>
<table><thead><tr><th>seq</th><th>시각</th><th>행위</th><th>행위자</th><th>역할</th><th>대상</th><th>결과</th><th>주소</th></tr></thead>
<tbody>${records.map(
      (r) => html`<tr><td class="num">${r.seq}</td><td>${formatDateTime(r.ts)}</td><td>${r.action}</td><td>${r.actor}</td>
<td>${r.role ?? ''}</td><td>${r.target ?? ''}</td><td>${r.outcome}</td><td>${r.sourceIp ?? ''}</td></tr>`,
    )}</tbody></table>
<p class="pager">${!verify && html`<a href="${pageLink()}" id="audit-newest">최신</a> `}${
      older !== undefined && html`<a href="${pageLink(older)}" id="audit-older" rel="next">이전 기록</a>`
    }</p>`,
  );
}
