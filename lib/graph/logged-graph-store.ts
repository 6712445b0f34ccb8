// DEBUG logs of every SPARQL request (text and duration), per the log-level guide; off at INFO and above.
import type { Logger } from '../logging';
import type { GraphCallOptions, GraphStore } from './graph-store';

export function withQueryLogging(store: GraphStore, log: Logger): GraphStore {
  if (!log.isLevelEnabled('debug')) return store;
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        log.debug(
          {
            event: 'sparql',
            operation,
            sparql: typeof args[0] === 'string' ? args[0] : undefined,
            duration_ms: Math.round(performance.now() - started),
          },
          `SPARQL ${operation}`,
        );
      }
    };
  return {
    select: timed('select', (q: string, options?: GraphCallOptions) => store.select(q, options)),
    ask: timed('ask', (q: string, options?: GraphCallOptions) => store.ask(q, options)),
    construct: timed('construct', (q: string, options?: GraphCallOptions) => store.construct(q, options)),
    update: timed('update', (u: string, options?: GraphCallOptions) => store.update(u, options)),
    replaceGraph: timed('replaceGraph', (graph: string, ntriples: Parameters<GraphStore['replaceGraph']>[1], options?: GraphCallOptions) =>
      store.replaceGraph(graph, ntriples, options),
    ),
    dropGraph: timed('dropGraph', (graph: string, options?: GraphCallOptions) => store.dropGraph(graph, options)),
    countTriples: (graph, options) => store.countTriples(graph, options),
    listGraphs: (options) => store.listGraphs(options),
    exportGraph: (graph, options) => store.exportGraph(graph, options),
    close: () => store.close(),
  };
}
