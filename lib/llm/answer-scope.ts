// What a text of an answer is about, so its numbers and claims are judged against that and nothing else: a 결론 is
// bound to its own finding; in the summary and the actions, what follows a topic word in a sentence (가지급금, 매출,
// ...) is bound to the findings and metrics of that topic, what follows a word for the whole month (전체, 종합) or
// no topic word at all, to the whole document.
import { SEVERITY_RANK, type RiskLevel, type Severity } from '../domain/findings';
import { addMonths } from '../domain/periods';
import { numbersOf } from './number-guardrail';
import type { CompactFinding, CompactInput, QuotedBlock } from './prompts';

export interface Scope {
  /** The numbers a text in this scope may write (signed; see number-guardrail.ts for the writings). */
  numbers: ReadonlySet<number>;
  /** The risk of its findings: a text in this scope may not state a lower one. */
  level: RiskLevel;
  /** How many findings it is about: with none, nothing in it can be called resolved or left as it is. */
  findings: number;
}

export interface Topic {
  words: readonly string[];
  scope: Scope;
}

export interface AnswerScopes {
  whole: Scope;
  byFinding: ReadonlyMap<string, Scope>;
  /** The words for the whole month: they lead back to the whole scope from a topic or a finding. */
  wholeTopic: Topic;
  /** Every topic a sentence can name, the whole month's included. */
  topics: readonly Topic[];
}

type MetricName = keyof CompactInput['metrics'];

/** A finding is in a topic when its sentence names the topic too, so new rules need no entry here. */
const TOPICS: ReadonlyArray<{ words: readonly string[]; metrics?: readonly MetricName[] }> = [
  { words: ['기업업무추진비', '접대비'] },
  { words: ['증빙', '세금계산서', '영수증'] },
  { words: ['가지급금', '인정이자'] },
  { words: ['가수금'] },
  { words: ['차량', '승용차', '운행기록부'] },
  { words: ['복리후생비'] },
  { words: ['원천세', '부가가치세'] },
  { words: ['매출'], metrics: ['revenueMonth', 'revenueYtd'] },
  { words: ['비용', '경비'], metrics: ['expenseMonth', 'expenseYtd'] },
];
const WHOLE_WORDS = ['전체', '종합', '전반', '모든', '귀사'];
/** Words for last month: with findings the accountants resolved, a sentence about those may call them settled. */
const LAST_MONTH_WORDS = ['지난달', '지난 달', '전월', '전달'];

const LEVEL_OF: Readonly<Record<Severity, RiskLevel>> = { HIGH: 'HIGH', MEDIUM: 'MEDIUM', LOW: 'LOW', INFO: 'NONE' };
export const LEVEL_RANK: Readonly<Record<RiskLevel, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

export function answerScopes(input: CompactInput, quoted: QuotedBlock): AnswerScopes {
  const common = commonNumbers(input);
  const own = new Map(input.findings.map((f) => [f.id, findingNumbers(f, input, quoted)]));
  const scope = (findings: readonly CompactFinding[], level: RiskLevel, extra: Iterable<number>, count = findings.length): Scope => ({
    numbers: new Set([...common, ...extra, ...findings.flatMap((f) => [...own.get(f.id)!])]),
    level,
    findings: count,
  });
  const whole = scope(input.findings, input.riskLevel, [...Object.values(input.metrics), ...numbersOf(input.previousMonths)], input.counts.findings);
  const wholeTopic = { words: WHOLE_WORDS, scope: whole };
  const topics = TOPICS.map(({ words, metrics = [] }) => {
    const findings = input.findings.filter((f) => words.some((word) => quoted.findings[f.id]?.message.includes(word)));
    return {
      words,
      scope: scope(
        findings,
        highest(findings),
        metrics.map((m) => input.metrics[m]),
      ),
    };
  });
  // Not the month's own risk lowered: only its settled count. A topic word after it (가지급금 ...) still binds the
  // sentence to this month's findings of that topic, so a recurring one cannot be called settled.
  const lastMonth = input.carryOver?.resolved.length ? [{ words: LAST_MONTH_WORDS, scope: { ...scope([], input.riskLevel, []), findings: 0 } }] : [];
  return {
    whole,
    byFinding: new Map(input.findings.map((f) => [f.id, scope([f], LEVEL_OF[f.severity], [])])),
    wholeTopic,
    topics: [...topics, ...lastMonth, wholeTopic],
  };
}

/** The scope at `at` in `text`: that of the topic word nearest before it in its sentence, else `base`. */
export function scopeAt(topics: readonly Topic[], text: string, at: number, base: Scope): Scope {
  const sentence =
    text
      .slice(0, at)
      .split(/[.!?。]\s|\n/)
      .at(-1) ?? '';
  let nearest: { index: number; scope: Scope } | undefined;
  for (const { words, scope } of topics) {
    for (const word of words) {
      const index = sentence.lastIndexOf(word);
      if (index >= 0 && (!nearest || index > nearest.index)) nearest = { index, scope };
    }
  }
  return nearest?.scope ?? base;
}

/** Numbers any text may write: the month and the next, the counts, and the deadlines. */
function commonNumbers(input: CompactInput): Set<number> {
  return numbersOf([input.period, addMonths(input.period, 1), input.counts, input.findings.map((f) => f.dueDate)]);
}

/**
 * A finding's own numbers: its amounts and due date, those of its rule's sentence, the numbers of its articles'
 * references (제25조 제4항, never their text), and its rule's earlier months, with how many months it has recurred.
 */
function findingNumbers(f: CompactFinding, input: CompactInput, quoted: QuotedBlock): Set<number> {
  const cited = new Set([...f.articles, ...(f.relatedArticles ?? [])]);
  const history = input.previousMonths.flatMap((month) => month.rules.filter((r) => r.rule === f.rule).map((r) => ({ period: month.period, ...r })));
  return numbersOf([
    f.amount,
    f.threshold,
    f.accruedInterest,
    f.dueDate,
    quoted.findings[f.id]?.message,
    input.articles.filter((a) => cited.has(a.id)).map((a) => a.ref),
    history.map(({ period, count, maxAmount }) => [period, count, maxAmount]),
    history.length > 0 ? [history.length, history.length + 1] : [],
  ]);
}

function highest(findings: readonly CompactFinding[]): RiskLevel {
  const top = findings.reduce<Severity>((max, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[max] ? f.severity : max), 'INFO');
  return LEVEL_OF[top];
}
