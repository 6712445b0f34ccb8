// The answer's sentence, written from the rows: each number in it is one of the rows' (or a count of them, or a month
// of the question), and the narrative's number guardrail checks that before the sentence is shown.
import { REVIEW_STATUS_LABELS } from '../review/finding-reviews';
import { SEVERITY_LABEL } from '../report/report-labels';
import type { Severity } from '../domain/findings';
import { checkNumbers, numbersOf } from '../llm/number-guardrail';
import type { AccountConcept } from './account-concepts';
import { RULE_NAMES, type AskParams, type IntentCall } from './intent-catalogue';
import type { DirectoryEntry } from './korean-matcher';
import type { Row } from './question-queries';
import { companyIri } from '../rdf/iris';

/** How many rows a sentence names before "외 N건". */
const NAMED_ROWS = 5;

const won = (n: string | number | undefined) => `${Number(n ?? 0).toLocaleString('ko-KR')}원`;
const rangeText = (p: { from: string; to: string }) => (p.from === p.to ? p.from : `${p.from}~${p.to}`);
const name = (row: Row) => String(row.companyName ?? row.company);

function listed(rows: readonly Row[], item: (row: Row) => string): string {
  const shown = rows.slice(0, NAMED_ROWS).map(item).join(', ');
  return rows.length > NAMED_ROWS ? `${shown} 외 ${rows.length - NAMED_ROWS}건` : shown;
}

function filters(p: AskParams): string {
  const parts = [
    ...(p.ruleIds ? [p.ruleIds.map((r) => RULE_NAMES[r] ?? r).join('·')] : []),
    ...(p.severities ? [`위험도 ${p.severities.map((s: Severity) => SEVERITY_LABEL[s]).join('·')}`] : []),
  ];
  return parts.length > 0 ? `${parts.join(', ')} ` : '';
}

/** `names`: the directory by company IRI, for a sentence about a named company with no rows. */
export function answerSentence(
  call: IntentCall,
  rows: readonly Row[],
  account: AccountConcept | undefined,
  names?: ReadonlyMap<string, DirectoryEntry>,
): string {
  const p = call.params;
  const range = rangeText(p);
  const companies = new Set(rows.map((r) => r.company)).size;
  const label = account?.label ?? '계정';
  switch (call.intent) {
    case 'findings':
      if (rows.length === 0) return `${range} ${filters(p)}지적사항은 없습니다.`;
      return `${range} ${filters(p)}지적사항은 ${companies}곳, ${rows.length}건입니다: ${listed(rows, (r) => `${name(r)} ${r.period} ${r.ruleId}${r.amount === undefined ? '' : ` ${won(r.amount)}`}`)}.`;
    case 'review-status': {
      const statuses = (p.statuses ?? []).map((s) => REVIEW_STATUS_LABELS[s]).join('·');
      if (rows.length === 0) return `${range} ${statuses} 상태인 지적사항은 없습니다.`;
      return `${range} ${statuses} 상태인 지적사항은 ${rows.length}건입니다: ${listed(rows, (r) => `${name(r)} ${r.period} ${r.ruleId}${r.reviewer ? ` (${r.reviewer})` : ''}`)}.`;
    }
    case 'deadlines': {
      if (rows.length === 0) return `${range} 기간에 남은 신고·납부 기한은 없습니다.`;
      const dates = [...new Set(rows.map((r) => String(r.dueDate)))];
      const perDate = dates.map((d) => `${d} (${rows.filter((r) => r.dueDate === d).length}곳)`);
      return `${range} 기간의 신고·납부 기한은 ${perDate.join(', ')}입니다.`;
    }
    case 'account-trend': {
      if (rows.length === 0) return `${namedCompany(p, names)}${range} ${label} 분개가 없습니다.`;
      const peak = rows.reduce((a, b) => (Number(b.net) > Number(a.net) ? b : a));
      return `${name(rows[0]!)} ${label} ${range} 월별 순증감: ${rows.map((r) => `${r.period} ${won(r.net)}`).join(', ')}. 가장 큰 달은 ${peak.period}(${won(peak.net)})입니다.`;
    }
    case 'account-totals':
      if (rows.length === 0) return `${namedCompany(p, names)}${range} ${label} 분개가 없습니다.`;
      if (p.top === 1) return `${range} ${label} 순액이 가장 큰 곳은 ${name(rows[0]!)}(${won(rows[0]!.net)})입니다.`;
      return `${range} ${label} 순액은 ${listed(rows, (r) => `${name(r)} ${won(r.net)}`)}입니다.`;
    case 'account-growth': {
      const over = p.minGrowthPct === undefined ? '' : ` ${p.minGrowthPct}%를 넘게`;
      const compared = `${rangeText(p.base!)} 대비 ${range}`;
      if (rows.length === 0) return `${compared} ${label}가${over} 늘어난 고객사는 없습니다 (비교 기간에 금액이 있는 고객사만 계산합니다).`;
      return `${compared} ${label}가${over} 늘어난 곳은 ${rows.length}곳입니다: ${listed(rows, (r) => `${name(r)} ${r.growthPct}% (${won(r.baseNet)} → ${won(r.net)})`)}.`;
    }
    case 'companies':
      return `볼 수 있는 고객사는 ${rows.length}곳입니다: ${listed(rows, name)}.`;
  }
}

/** "(주)가람제조 " when the question named one company, else nothing. */
function namedCompany(p: AskParams, names: ReadonlyMap<string, DirectoryEntry> | undefined): string {
  const id = p.companies?.length === 1 ? p.companies[0] : undefined;
  const entry = id && names?.get(companyIri(id));
  return entry ? `${entry.name} ` : '';
}

/** The numbers a sentence may use: the rows', counts up to their number, the question's months and threshold. */
export function allowedNumbers(call: IntentCall, rows: readonly Row[]): Set<number> {
  const allowed = numbersOf(rows);
  for (let n = 0; n <= rows.length; n++) allowed.add(n);
  const p = call.params;
  for (const period of [p.from, p.to, p.base?.from, p.base?.to]) for (const part of period?.split('-') ?? []) allowed.add(Number(part));
  if (p.minGrowthPct !== undefined) allowed.add(p.minGrowthPct);
  return allowed;
}

/** The sentence, or a plain one when a number in it is none of the rows' (a fault of the sentence, logged). */
export function guardedSentence(
  call: IntentCall,
  rows: readonly Row[],
  account: AccountConcept | undefined,
  names?: ReadonlyMap<string, DirectoryEntry>,
): { sentence: string; unknown: string[] } {
  const sentence = answerSentence(call, rows, account, names);
  // The question's company's name may hold digits ("(주)3M코리아"): they are the directory's, not invented.
  const named = (call.params.companies ?? []).map((id) => names?.get(companyIri(id))?.name ?? '');
  const verdict = checkNumbers(sentence, new Set([...allowedNumbers(call, rows), ...numbersOf(named)]));
  if (verdict.ok) return { sentence, unknown: [] };
  return { sentence: '답은 아래 표와 같습니다.', unknown: verdict.unknown.map((u) => u.text) };
}
