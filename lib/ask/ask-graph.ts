// Ask the knowledge graph: a Korean question → an intent of the catalogue (a model when one is configured, else
// the Korean matcher) → its vetted query, inside the asker's company scope, limited and timed out → rows and a
// sentence checked by the number guardrail. Every question is audit-logged with its intent, parameters and row count.
// The console's 질문 page and `npm run ask` both call askGraph.
import type { AuditEvent, AuditLog } from '../audit/audit-log';
import { assertCompanyId, type Period } from '../domain/ids';
import { monthInSeoul } from '../domain/periods';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import type { Logger } from '../logging';
import { companyIri } from '../rdf/iris';
import { DATA } from '../rdf/vocabulary';
import type { Principal } from '../security/roles';
import type { AccountConcept, AccountVocabulary } from './account-concepts';
import { guardedSentence } from './answer-sentences';
import { companyDirectory, type CachedDirectory } from './company-directory';
import { EXAMPLE_QUESTIONS, type AskParams, type IntentCall, type IntentId } from './intent-catalogue';
import type { QuestionModel } from './question-model';
import { readQuestion, type DirectoryEntry, type MatchContext } from './korean-matcher';
import { COLUMNS, intentQuery, type Column, type Row } from './question-queries';
import { QueryTimedOut, withinDeadline } from './query-deadline';
import { ledgerReach } from './ledger-reach';

export interface AskLimits {
  /** Rows an answer shows at most (the query asks one more to know it was cut). */
  maxRows: number;
  /** Each graph query's deadline. */
  timeoutMs: number;
}

export interface AskDeps {
  graph: GraphStore;
  accounts: AccountVocabulary;
  limits: AskLimits;
  audit?: AuditLog;
  /** Reads questions with a model when one is configured; the matcher otherwise, and after it. */
  interpreter?: Pick<QuestionModel, 'interpret'>;
  /** The names of the companies, kept a while; read on each question without it. */
  directory?: CachedDirectory;
  log?: Logger;
  now?: () => Date;
}

/** Who asks: the audit log's actor and the scope the query is restricted to. */
export type Asker = Pick<Principal, 'subject' | 'role' | 'companies'> & { sourceIp?: string };

export interface Answer {
  question: string;
  /** The month relative periods were read against. */
  asOf: Period;
  status: 'answered' | 'refused';
  /** 'matcher', or the model that read the question. */
  readBy: string;
  intent?: IntentId;
  params?: AskParams;
  columns: readonly Column[];
  rows: Row[];
  /** More rows matched than the answer shows. */
  truncated: boolean;
  sentence: string;
  /** What the reading assumed (a default period, a comparison base). */
  notes: string[];
  /** Refused: what can be asked instead. */
  examples?: readonly string[];
}

export async function askGraph(deps: AskDeps, asker: Asker, question: string): Promise<Answer> {
  const now = deps.now?.() ?? new Date();
  const asOf = monthInSeoul(now);
  const scope = asker.companies?.map((id) => assertCompanyId(id));
  const timeoutMs = deps.limits.timeoutMs;
  let companies: DirectoryEntry[];
  try {
    companies = await withinDeadline(
      timeoutMs,
      (options) => deps.directory?.companies(scope, options) ?? companyDirectory(deps.graph, scope, options),
    );
  } catch (err) {
    return refuse(deps, asker, { question, asOf, readBy: 'matcher' }, timedOut(err));
  }
  const ctx: MatchContext = { now, current: asOf, companies, accounts: deps.accounts };
  const reading = await read(deps, question, ctx);
  const asked = { question, asOf, readBy: reading.readBy };
  if ('refusal' in reading) return refuse(deps, asker, asked, `${reading.refusal} 이런 질문에 답할 수 있습니다.`);
  const { notes, account } = reading;
  const reach = ledgerReach(reading.call, companies, asOf);
  const call = reach.call;
  if (reach.note) notes.push(reach.note);
  if (reach.notYet) return answered(deps, asker, { ...asked, call, rows: [], truncated: false, sentence: reach.notYet, notes });
  // The question's companies are already the asker's (the directory holds no other); the asker's scope otherwise.
  const queried = call.params.companies ?? scope;
  const limit = call.intent === 'account-totals' && call.params.top ? call.params.top : deps.limits.maxRows + 1;
  let selected: SelectRow[];
  try {
    selected = await withinDeadline(timeoutMs, (options) => deps.graph.select(intentQuery(call, queried, limit), options));
  } catch (err) {
    return refuse(deps, asker, { ...asked, intent: call.intent, params: call.params }, timedOut(err));
  }
  const names = new Map(companies.map((c) => [companyIri(c.id), c]));
  const rows = selected.slice(0, deps.limits.maxRows).map((row) => rowOf(row, COLUMNS[call.intent], names));
  const { sentence, unknown } = guardedSentence(call, rows, account, names);
  if (unknown.length > 0)
    deps.log?.error({ event: 'ask_sentence_guardrail', intent: call.intent, unknown }, 'answer sentence refused by the number guardrail');
  return answered(deps, asker, { ...asked, call, rows, truncated: selected.length > deps.limits.maxRows, sentence, notes });
}

/** An answer of the call's intent, audited. */
async function answered(
  deps: AskDeps,
  asker: Asker,
  { call, ...answer }: Pick<Answer, 'question' | 'asOf' | 'readBy' | 'rows' | 'truncated' | 'sentence' | 'notes'> & { call: IntentCall },
): Promise<Answer> {
  const full: Answer = { ...answer, status: 'answered', intent: call.intent, params: call.params, columns: COLUMNS[call.intent] };
  await audit(deps, asker, full);
  return full;
}

/** A refusal (or a query past its deadline), audited like an answer, with what can be asked instead. */
async function refuse(
  deps: AskDeps,
  asker: Asker,
  asked: Pick<Answer, 'question' | 'asOf' | 'readBy' | 'intent' | 'params'>,
  sentence: string,
): Promise<Answer> {
  const answer: Answer = { ...asked, status: 'refused', columns: [], rows: [], truncated: false, notes: [], sentence, examples: EXAMPLE_QUESTIONS };
  await audit(deps, asker, answer);
  return answer;
}

function timedOut(err: unknown): string {
  if (err instanceof QueryTimedOut) return err.message;
  throw err;
}

type Reading = ({ call: IntentCall; notes: string[]; account?: AccountConcept } | { refusal: string }) & { readBy: string };

/** The model's reading when one gives a valid call of the catalogue within the scope; the matcher's otherwise. */
async function read(deps: AskDeps, question: string, ctx: MatchContext): Promise<Reading> {
  const screened = screenQuestion(question);
  if (screened) return { refusal: screened, readBy: 'matcher' };
  const proposed = deps.interpreter ? await deps.interpreter.interpret(question, ctx) : undefined;
  if (proposed && 'reading' in proposed) return { ...proposed.reading, notes: [], readBy: proposed.model };
  if (proposed) deps.log?.info({ event: 'ask_model_passed', ...proposed }, 'the matcher reads the question');
  return { ...readQuestion(question, ctx), readBy: 'matcher' };
}

/** Query syntax or data-changing verbs in a question: refused before anything reads it. */
function screenQuestion(question: string): string | undefined {
  if (question.length > 500) return '질문이 너무 깁니다 (500자까지).';
  if (/[{}<>;]|\b(drop|insert|delete|clear|load|create|select|construct|describe|service)\b/i.test(question)) {
    return '질문에 쿼리 문법이나 데이터 변경 명령이 들어 있어 답하지 않습니다. 질문은 문장으로 적어 주십시오.';
  }
  if (/삭제|지워|지우|수정해|변경해|바꿔|추가해|등록해/.test(question)) return '지식 그래프에 묻는 질문은 읽기만 합니다: 데이터를 바꾸지 않습니다.';
  return undefined;
}

const NUMERIC: ReadonlySet<Column['kind']> = new Set(['won', 'percent', 'count']);

/** A result row as the intent's columns type it, its company IRI read back as the directory's id and name. */
function rowOf(row: SelectRow, columns: readonly Column[], names: ReadonlyMap<string, DirectoryEntry>): Row {
  const numeric = new Set(columns.filter((c) => NUMERIC.has(c.kind)).map((c) => c.key));
  const out: Row = {};
  for (const [key, term] of Object.entries(row)) {
    if (key !== 'co') out[key] = numeric.has(key) ? Number(term.value) : term.value;
  }
  const iri = row.co?.value;
  if (iri !== undefined) {
    const entry = names.get(iri);
    out.company = entry?.id ?? decodeURIComponent(iri.slice(`${DATA}company/`.length));
    out.companyName = entry?.name ?? String(out.company);
  }
  return out;
}

function audit(deps: AskDeps, asker: Asker, answer: Answer): Promise<void> {
  return auditAsker(deps, asker, 'graph.asked', answer.status === 'answered' ? 'success' : 'failure', {
    question: answer.question.slice(0, 500),
    readBy: answer.readBy,
    intent: answer.intent,
    params: answer.params,
    rows: answer.rows.length,
    truncated: answer.truncated,
    ...(answer.status === 'refused' && { refusal: answer.sentence }),
  });
}

/** One audit record of a question or a query, with the asker as its actor. */
export async function auditAsker(
  deps: Pick<AskDeps, 'audit'>,
  asker: Asker,
  action: 'graph.asked' | 'graph.queried',
  outcome: AuditEvent['outcome'],
  details: Record<string, unknown>,
): Promise<void> {
  await deps.audit?.append({ action, actor: asker.subject, role: asker.role, outcome, ...(asker.sourceIp && { sourceIp: asker.sourceIp }), details });
}
