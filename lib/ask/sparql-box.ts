// The admins' read-only SPARQL box: the text is parsed (sparqljs) and refused unless it is one SELECT or ASK
// without SERVICE or a dataset of its own; the asker's company scope becomes its dataset (FROM NAMED of the
// scope's graphs only), its LIMIT is capped, and it runs under the same deadline as the question templates
// (past it: refused, with the reason).
import { Generator, Parser, type SparqlQuery } from 'sparqljs';
import type { CompanyId } from '../domain/ids';
import type { GraphCallOptions, GraphStore } from '../graph/graph-store';
import { auditAsker, type AskDeps, type Asker } from './ask-graph';
import { EMPTY_GRAPH, graphOfCompanies } from './graph-scope';
import { QueryTimedOut, withinDeadline } from './query-deadline';

export interface SparqlAnswer {
  status: 'answered' | 'refused';
  /** Why it was refused. */
  reason?: string;
  /** The query as it ran (scope and limit applied). */
  query?: string;
  columns: string[];
  rows: Array<Record<string, string>>;
  truncated: boolean;
  /** ASK queries. */
  boolean?: boolean;
}

export class SparqlRefused extends Error {}

/**
 * The query as it may run for `companies` (undefined: the whole firm): parsed, checked, restricted and capped.
 * Throws SparqlRefused with a reason a person can act on.
 */
export async function scopedSparql(
  text: string,
  companies: readonly CompanyId[] | undefined,
  graph: Pick<GraphStore, 'listGraphs'>,
  maxRows: number,
): Promise<{ query: string; type: 'SELECT' | 'ASK' }> {
  let parsed: SparqlQuery;
  try {
    parsed = new Parser().parse(text);
  } catch (err) {
    throw new SparqlRefused(`SPARQL 구문 오류: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (parsed.type !== 'query' || (parsed.queryType !== 'SELECT' && parsed.queryType !== 'ASK')) {
    throw new SparqlRefused('SELECT와 ASK 질의만 실행합니다 (읽기 전용).');
  }
  if (parsed.from && (parsed.from.default.length > 0 || parsed.from.named.length > 0)) {
    throw new SparqlRefused('FROM / FROM NAMED는 쓸 수 없습니다: 볼 수 있는 그래프는 권한이 정합니다.');
  }
  // Anywhere in the query, subqueries included.
  if (JSON.stringify(parsed.where ?? []).includes('"type":"service"')) {
    throw new SparqlRefused('SERVICE(원격 질의)는 쓸 수 없습니다.');
  }
  if (companies !== undefined) {
    const graphs = (await graph.listGraphs()).filter((g) => graphOfCompanies(g, companies) && !g.endsWith('/staging'));
    const named = (graphs.length > 0 ? graphs : [EMPTY_GRAPH]).map((g) => ({ termType: 'NamedNode', value: g }));
    // The default graph is left empty: a scoped query reads only its companies' named graphs.
    parsed.from = { default: [{ termType: 'NamedNode', value: EMPTY_GRAPH }], named } as unknown as typeof parsed.from;
  }
  if (parsed.queryType === 'SELECT') parsed.limit = Math.min(parsed.limit ?? Infinity, maxRows + 1);
  return { query: new Generator().stringify(parsed), type: parsed.queryType };
}

/** Runs an admin's query within the admin's scope; refused and answered queries alike are audit-logged. */
export async function runSparql(deps: AskDeps, asker: Asker, text: string): Promise<SparqlAnswer> {
  const scope = asker.companies as readonly CompanyId[] | undefined;
  let answer: SparqlAnswer;
  try {
    const { query, type } = await scopedSparql(text, scope, deps.graph, deps.limits.maxRows);
    const deadline = <T>(run: (options: GraphCallOptions) => Promise<T>) => withinDeadline(deps.limits.timeoutMs, run);
    if (type === 'ASK') {
      answer = { status: 'answered', query, columns: [], rows: [], truncated: false, boolean: await deadline((o) => deps.graph.ask(query, o)) };
    } else {
      const selected = await deadline((o) => deps.graph.select(query, o));
      const rows = selected.slice(0, deps.limits.maxRows).map((row) => Object.fromEntries(Object.entries(row).map(([k, t]) => [k, t.value])));
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      answer = { status: 'answered', query, columns, rows, truncated: selected.length > deps.limits.maxRows };
    }
  } catch (err) {
    if (!(err instanceof SparqlRefused || err instanceof QueryTimedOut)) throw err;
    answer = { status: 'refused', reason: err.message, columns: [], rows: [], truncated: false };
  }
  await auditAsker(deps, asker, 'graph.queried', answer.status === 'answered' ? 'success' : 'denied', {
    query: text.slice(0, 2000),
    rows: answer.rows.length,
    ...(answer.reason && { refusal: answer.reason }),
  });
  return answer;
}
