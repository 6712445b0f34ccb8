// One OpenTelemetry span per console request. Handlers run inside it, so a run started from the console is a child
// of the click (the Temporal client's tracing plugin carries the context into the workflow), and the request log
// line carries the same trace_id as the run's logs.
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    span?: Span;
  }
}

const tracer = trace.getTracer('tax-console');

export function startRequestSpan(request: FastifyRequest): void {
  request.span = tracer.startSpan(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': request.method, 'http.route': request.routeOptions.url ?? '' },
  });
}

export function inRequestSpan<T>(request: FastifyRequest, fn: () => T): T {
  return request.span ? context.with(trace.setSpan(context.active(), request.span), fn) : fn();
}

/** Ends the span; returns its trace id for the request log. */
export function endRequestSpan(request: FastifyRequest, status: number): string | undefined {
  const span = request.span;
  if (!span) return undefined;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  return span.spanContext().traceId;
}
