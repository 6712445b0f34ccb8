import { html } from '../../lib/report/escape-html';
import { layout, type PageContext } from './layout';

/** Sign-in with an API token (or an OIDC ID token pasted by an operator); `next` must be a local path. */
export function loginPage(ctx: PageContext, options: { error?: string; next?: string }): string {
  return layout(
    ctx,
    '로그인',
    html`<div class="login">
  ${options.error && html`<p class="error" role="alert">${options.error}</p>`}
  <form method="post" action="/login">
    <label>API 토큰 <input type="password" name="token" autocomplete="off" required></label>
    <input type="hidden" name="next" value="${options.next ?? '/'}">
    <button type="submit">로그인</button>
  </form>
</div>`,
  );
}
