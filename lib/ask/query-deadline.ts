// A question's query under its deadline: the server is told to stop evaluating at the deadline (RDF4J's `timeout`),
// and the client stops waiting a moment later. Either way the asker gets a reason, not an error page.
import type { GraphCallOptions } from '../graph/graph-store';
import { GraphStoreHttpError } from '../graph/http-graph-store';

export class QueryTimedOut extends Error {
  override readonly name = 'QueryTimedOut';
  constructor(readonly timeoutMs: number) {
    super(`질의가 ${Math.ceil(timeoutMs / 1000)}초 안에 끝나지 않아 중단했습니다. 기간이나 고객사를 좁혀 다시 물어 주십시오.`);
  }
}

/** The server answers its own deadline with an error; the client waits this much longer to hear it. */
const CLIENT_GRACE_MS = 2_000;

export async function withinDeadline<T>(timeoutMs: number, query: (options: GraphCallOptions) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs + CLIENT_GRACE_MS);
  const started = performance.now();
  try {
    return await query({ signal, maxExecutionMs: timeoutMs });
  } catch (err) {
    // RDF4J ends an evaluation past its timeout with a bare HTTP 500: an error at the deadline is taken for it.
    const atDeadline = err instanceof GraphStoreHttpError && performance.now() - started >= timeoutMs;
    if (signal.aborted || atDeadline) throw new QueryTimedOut(timeoutMs);
    throw err;
  }
}
