// Whether an answer may go into the report, the same check for a model's reply and for a cached answer: the schema,
// each finding covered once, and in every text no link or phone number, no number that is not of the finding or
// metric it is written about, and no claim the findings contradict.
import { ANSWER_SCHEMAS, type InsightsAnswer, type SummaryAnswer } from './answer-schemas';
import { answerScopes, scopeAt, type AnswerScopes, type Scope } from './answer-scope';
import { contradicts, findClaims, type Claim } from './claim-guardrail';
import { findContacts } from './contact-guardrail';
import { checkNumbers } from './number-guardrail';
import type { CompactInput, LlmTask, QuotedBlock } from './prompts';

export type Answer = InsightsAnswer | SummaryAnswer;

type CheckedAnswer = { answer: Answer; problem?: undefined } | { answer?: undefined; problem: string };

/** A text of an answer, where it stands (F2, actions[1], summary), and the scope of a position in it. */
interface AnswerPart {
  where: string;
  text: string;
  numbersAt(at: number): Scope;
  claimsAt(at: number): Scope;
}

export function checkAnswer(task: LlmTask, raw: unknown, input: CompactInput, quoted: QuotedBlock): CheckedAnswer {
  const parsed = ANSWER_SCHEMAS[task].safeParse(raw);
  if (!parsed.success) return { problem: 'the answer does not match the schema' };
  const answer = parsed.data;
  const problem = coverageProblem(answer, input) ?? textProblems(answer, input, quoted);
  return problem ? { problem } : { answer };
}

function coverageProblem(answer: Answer, input: CompactInput): string | undefined {
  if ('summary' in answer) return undefined;
  const ids = answer.conclusions.map((c) => c.finding);
  const expected = input.findings.map((f) => f.id);
  const unknown = ids.filter((id) => !expected.includes(id));
  const missing = expected.filter((id) => !ids.includes(id));
  if (unknown.length === 0 && missing.length === 0 && new Set(ids).size === ids.length) return undefined;
  return `conclusions must cover each finding once (unknown: ${unknown.join(',') || '-'}, missing: ${missing.join(',') || '-'})`;
}

function textProblems(answer: Answer, input: CompactInput, quoted: QuotedBlock): string | undefined {
  const problems = answerParts(answer, answerScopes(input, quoted)).flatMap((part) => partProblems(part, quoted.company));
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/**
 * A 결론's numbers belong to its finding alone, its claims too unless it speaks of the whole month; the summary and
 * the actions are read topic by topic.
 */
function answerParts(answer: Answer, scopes: AnswerScopes): AnswerPart[] {
  const free = (where: string, text: string): AnswerPart => {
    const at = (index: number) => scopeAt(scopes.topics, text, index, scopes.whole);
    return { where, text, numbersAt: at, claimsAt: at };
  };
  if ('summary' in answer) return [free('summary', answer.summary)];
  return [
    ...answer.conclusions.map(({ finding, text }) => {
      const own = scopes.byFinding.get(finding)!;
      return { where: finding, text, numbersAt: () => own, claimsAt: (index: number) => scopeAt([scopes.wholeTopic], text, index, own) };
    }),
    ...answer.actions.map((text, i) => free(`actions[${i}]`, text)),
  ];
}

function partProblems({ where, text, numbersAt, claimsAt }: AnswerPart, company: string): string[] {
  const problems: string[] = [];
  const contacts = findContacts(text);
  if (contacts.length > 0) problems.push(`${where}: links or contact details: ${contacts.join(', ')}`);
  // The company's name may be repeated as written: digits in it are not amounts.
  const unnamed = company === '' ? text : text.replaceAll(company, ' '.repeat(company.length));
  const unknown = checkNumbers(unnamed, (index) => numbersAt(index).numbers).unknown;
  if (unknown.length > 0)
    problems.push(`${where}: numbers not in the finding or metrics they are written about: ${unknown.map((n) => n.text).join(', ')}`);
  const contradicted = findClaims(text).filter((claim) => contradicts(claim, claimsAt(claim.index)));
  if (contradicted.length > 0)
    problems.push(`${where}: claims the findings contradict: ${contradicted.map((c) => describe(c, claimsAt(c.index))).join(', ')}`);
  return problems;
}

function describe(claim: Claim, scope: Scope): string {
  return claim.kind === 'settled' ? `"${claim.text}" (${scope.findings} open)` : `"${claim.text}" (says ${claim.level}, findings ${scope.level})`;
}
