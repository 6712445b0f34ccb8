// The console's page shell. Every value goes through the `html` tag, so data is always escaped.
import { html, type SafeHtml } from '../../lib/report/escape-html';
import { can, type Permission, type Principal } from '../../lib/security/roles';
import { CSRF_FIELD } from '../http/csrf';

export interface PageContext {
  firmName: string;
  principal?: Principal;
  /** The session's CSRF token, put into every form. */
  csrf?: string;
}

/** `firmWide`: pages of the whole firm, not shown to a principal scoped to some companies. */
const NAV: { href: string; label: string; permission: Permission; firmWide?: boolean }[] = [
  { href: '/', label: '기업·리포트', permission: 'reports:read' },
  { href: '/ask', label: '질문', permission: 'reports:read' },
  { href: '/months', label: '월간 현황', permission: 'runs:start' },
  { href: '/rule-feedback', label: '규칙 피드백', permission: 'config:read', firmWide: true },
  { href: '/costs', label: 'LLM 비용', permission: 'costs:read' },
  { href: '/settings', label: '설정', permission: 'config:read' },
  { href: '/audit', label: '감사 로그', permission: 'audit:read' },
];

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf ?? ''}">`;
}

export function layout(ctx: PageContext, title: string, body: SafeHtml): string {
  const principal = ctx.principal;
  const nav = principal ? NAV.filter((item) => can(principal, item.permission) && (!item.firmWide || principal.companies === undefined)) : [];
  return html`<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${ctx.firmName} 운영 콘솔</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<header>
  <strong>${ctx.firmName} 운영 콘솔</strong>
  <nav>${nav.map((item) => html`<a href="${item.href}">${item.label}</a> `)}</nav>
  ${
    principal &&
    html`<span class="who" data-role="${principal.role}">${principal.subject} (${principal.role})</span>
  <form method="post" action="/logout">${csrfField(ctx)}<button type="submit">로그아웃</button></form>`
  }
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.markup;
}

export function errorPage(ctx: PageContext, status: number, message: string): string {
  return layout(ctx, `오류 ${status}`, html`<p class="error" role="alert">${message}</p><p><a href="/">처음으로</a></p>`);
}

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '';
  // Asia/Seoul for the firm's staff, whatever the server's zone.
  return new Date(iso).toLocaleString('ko-KR', { timeZone: 'Asia/Seoul', hour12: false });
}

/** An amount as the firm writes it: 1,234,567원 (nothing for none). */
export function won(amount: number | undefined): string {
  return amount === undefined ? '' : `${amount.toLocaleString('ko-KR')}원`;
}
