// DEBUG logs of every SPARQL request (text and duration), per the log-level guide; off at INFO and above.
import type { Logger } from '../logging';
import type { GraphStore } from './graph-store';

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
          { event: 'sparql', operation, sparql: typeof args[0] === 'string' ? args[0] : undefined, duration_ms: Math.round(performance.now() - started) },
          `SPARQL ${operation}`,
        );
      }
    };
  return {
    select: timed('select', (q: string) => store.select(q)),
    ask: timed('ask', (q: string) => store.ask(q)),
    construct: timed('construct', (q: string) => store.construct(q)),
    update: timed('update', (u: string) => store.update(u)),
    replaceGraph: timed('replaceGraph', (graph: string, ntriples: Parameters<GraphStore['replaceGraph']>[1]) =>
      store.replaceGraph(graph, ntriples),
    ),
    dropGraph: timed('dropGraph', (graph: string) => store.dropGraph(graph)),
    countTriples: (graph) => store.countTriples(graph),
    close: () => store.close(),
  };
}
