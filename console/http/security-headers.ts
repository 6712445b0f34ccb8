// Response headers for every console response: no scripts at all, no framing, no sniffing, no caching of data.
import type { FastifyReply } from 'fastify';

const CSP = ["default-src 'none'", "style-src 'self'", "img-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"].join(
  '; ',
);

export function setSecurityHeaders(reply: FastifyReply, https: boolean): void {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts, which the CSRF check refuses.
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  // Reports and findings are confidential: never in a shared or browser cache.
  reply.header('cache-control', 'no-store');
  if (https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}
