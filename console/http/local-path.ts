// Where the console may send a browser after sign-in: a path of its own origin, as the browser will read it.

const ORIGIN = 'http://console.invalid';

/**
 * The same-origin path `next` names, normalised, or `/`. Parsed as a browser parses it (the WHATWG URL parser
 * drops tabs and newlines and reads `\` as `/`), so `/<TAB>/evil.example`, `/\evil.example` and `//evil.example`
 * all resolve to another origin and are refused, not matched against a pattern.
 */
export function localPath(next: string | undefined): string {
  if (!next?.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return '/';
  }
  return url.origin === ORIGIN ? `${url.pathname}${url.search}${url.hash}` : '/';
}
