// Temporal cancels an activity (its workflow was cancelled, its heartbeat timed out, the worker shuts down) by
// aborting `Context.current().cancellationSignal`; the cancellation reaches this process with a heartbeat
// (workers/activity-heartbeat.ts). lib/ knows nothing of Temporal: its slow calls take an optional AbortSignal.
// The wrappers here give every call the signal of the activity it runs in, so the activities need not pass it.
import { Context } from '@temporalio/activity';
import type { GraphCallOptions, GraphStore } from '../lib/graph/graph-store';
import type { MailTransport } from '../lib/mail/mail-transport';
import type { PdfRenderer, RenderOptions } from '../lib/report/pdf-renderer';

/** Where a call finds its signal: undefined means not cancellable (e.g. outside any activity). */
export type SignalSource = () => AbortSignal | undefined;

/** The running activity's cancellation signal; undefined outside an activity (tests, scripts, shutdown). */
export function currentActivitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // Context.current() throws outside an activity
  }
}

/** A caller's own signal wins; otherwise the source's. */
function withSignal<T extends { signal?: AbortSignal }>(options: T | undefined, source: SignalSource): T {
  const signal = options?.signal ?? source();
  return { ...options, signal } as T;
}

export function cancellableGraphStore(store: GraphStore, source: SignalSource = currentActivitySignal): GraphStore {
  const opts = (options?: GraphCallOptions) => withSignal(options, source);
  return {
    select: (query, options) => store.select(query, opts(options)),
    ask: (query, options) => store.ask(query, opts(options)),
    construct: (query, options) => store.construct(query, opts(options)),
    update: (update, options) => store.update(update, opts(options)),
    replaceGraph: (graphIri, ntriples, options) => store.replaceGraph(graphIri, ntriples, opts(options)),
    dropGraph: (graphIri, options) => store.dropGraph(graphIri, opts(options)),
    countTriples: (graphIri, options) => store.countTriples(graphIri, opts(options)),
    listGraphs: (options) => store.listGraphs(opts(options)),
    exportGraph: (graphIri, options) => store.exportGraph(graphIri, opts(options)),
    close: () => store.close(),
  };
}

export function cancellableMailTransport(mail: MailTransport, source: SignalSource = currentActivitySignal): MailTransport {
  return {
    send: (message, deliveryKey, options) => mail.send(message, deliveryKey, withSignal(options, source)),
    close: () => mail.close(),
  };
}

/**
 * The same renderer (pool, browser, stats, close) whose renders take the source's signal. A proxy, because the
 * activities' deps name the PdfRenderer class: every other member is the renderer's own, bound to it.
 */
export function cancellableRenderer(renderer: PdfRenderer, source: SignalSource = currentActivitySignal): PdfRenderer {
  const render = (html: string, options?: RenderOptions) => renderer.render(html, withSignal(options, source));
  return new Proxy(renderer, {
    get(target, property) {
      if (property === 'render') return render;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
