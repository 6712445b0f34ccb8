/**
 * HTML escaping for the report templates. Ledger memos, company names and model output are
 * untrusted, so templates are written with the `html` tag, which escapes every interpolated value
 * unless it is already SafeHtml: forgetting to escape is then impossible rather than unlikely.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Markup that is safe to emit as is. Create it with `html`, or `rawHtml` for constants. */
export class SafeHtml {
  constructor(readonly markup: string) {}
}

/** Values a template may interpolate; null, undefined and false render nothing (conditional parts). */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.markup;
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(String(value));
  return value.map(render).join('');
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Trusts markup verbatim: for constant CSS and templates only, never for data. */
export function rawHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
