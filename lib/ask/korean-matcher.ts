// The deterministic reading of a Korean question: which intent, which companies (by name, short name or id),
// which account, rule, severity or review status, which months. Nothing of the question's text reaches a query:
// the result is an IntentCall of checked values, or a refusal that says what can be asked.
import type { ReviewStatus, Severity } from '../domain/findings';
import type { CompanyId, Period } from '../domain/ids';
import { addMonths, lastDayOfMonth, parsePeriod, periodOf, seoulDay } from '../domain/periods';
import type { AccountConcept, AccountVocabulary } from './account-concepts';
import type { AskParams, IntentCall, IntentId } from './intent-catalogue';
import { coveringRange, periodMentions, yearBefore, type MonthRange, type PeriodMention } from './korean-periods';

export interface DirectoryEntry {
  id: CompanyId;
  name: string;
  /** The latest month whose ledger the graph holds. */
  last?: Period;
}

export interface MatchContext {
  now: Date;
  current: Period;
  /** The companies the person may see (never others: a name outside the scope is "not found"). */
  companies: readonly DirectoryEntry[];
  accounts: AccountVocabulary;
}

export type Reading = { call: IntentCall; notes: string[]; account?: AccountConcept } | { refusal: string };

const LEGAL_FORM = /\(주\)|㈜|주식회사|\(유\)|유한회사|\(합\)/g;

/** The names a company is asked about by: its name, the name without (주), its id and the id's Korean part. */
export function companyAliases(entry: DirectoryEntry): string[] {
  const bare = entry.name.replace(LEGAL_FORM, '').trim();
  const idWord = /[가-힣]{2,}/.exec(entry.id)?.[0];
  return [...new Set([entry.name, bare, entry.id, idWord].filter((a): a is string => a !== undefined && a.length >= 2))];
}

/** The entertainment account's names: its limit is ENT-LIMIT, its missing proof ENT-PROOF. */
const ENTERTAINMENT = /접대비|기업업무추진비/;

const RULE_WORDS: ReadonlyArray<[RegExp, string[]]> = [
  [/(접대비|기업업무추진비)?[^가-힣]*한도/, ['ENT-LIMIT']],
  [/가지급금|대여금|인정이자/, ['LOAN-INSIDER']],
  [/가수금/, ['DEPOSIT-INSIDER']],
  [/(접대비|기업업무추진비).*(증빙)|증빙.*(접대비|기업업무추진비)/, ['ENT-PROOF']],
  [/증빙/, ['ENT-PROOF', 'EXP-PROOF']],
  [/급증|급격히/, ['SPIKE']],
  [/오분류|분류\s*(오류|잘못)|계정\s*분류/, ['WELFARE-MISCLASS']],
  [/차량|승용차/, ['CAR-COST']],
  [/장부\s*품질|데이터\s*품질|품질\s*(문제|오류)/, ['DQ-ACCOUNT', 'DQ-AMOUNT', 'DQ-BALANCE', 'DQ-BIZREGNO', 'DQ-DATE', 'DQ-REQUIRED']],
];
const SEVERITY_WORDS: ReadonlyArray<[RegExp, Severity]> = [
  [/고위험|위험도?\s*(가|이)?\s*높|HIGH/i, 'HIGH'],
  [/중위험|위험도?\s*(가|이)?\s*보통|MEDIUM/i, 'MEDIUM'],
  [/저위험|위험도?\s*(가|이)?\s*낮|LOW/i, 'LOW'],
];
const STATUS_WORDS: ReadonlyArray<[RegExp, ReviewStatus]> = [
  [/오탐/, 'false-positive'],
  [/조치\s*완료|조치한|조치된|해결/, 'resolved'],
  [/확인\s*(처리|한|된|만|상태)|확인으로/, 'acknowledged'],
  [/미검토|검토\s*(안|되지|하지|전)|미처리|검토\s*대기/, 'open'],
];

const WORDS = {
  deadline: /기한|마감|신고일|납부일|신고\s*일정|납부\s*일정|신고\s*기일/,
  growth: /대비|늘어난|늘었|증가|줄어든|줄었|감소|커진/,
  trend: /추이|추세|흐름|월별|변화|그래프|차트/,
  finding: /지적|위험|경고|문제|초과|넘은|넘긴|넘었|리스크|적발|걸린|위반/,
  totals: /얼마|합계|총액|총|금액|가장|제일|많|상위|순위|\d+\s*위|최고|큰\s*순|지출|썼|쓴|사용/,
  companies: /(고객사|회사|기업)\s*(목록|리스트|명단|전부|모두|들)|(담당|맡|관리)[^?]{0,8}(고객사|회사)|(고객사|회사)[가-힣\s]{0,4}몇\s*(곳|개)/,
  upcoming: /다음|다가오는|남은|앞으로|예정/,
};

/** A question's reading by the rules above; `refusal` when it is none of the catalogue's questions. */
export function readQuestion(question: string, ctx: MatchContext): Reading {
  const text = question.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (text.length === 0) return { refusal: '질문이 비어 있습니다.' };

  const named = namedCompanies(text, ctx.companies);
  if ('refusal' in named) return named;
  // Company names are read first and blanked, so a name holding an account or a month does not count as one.
  const account = accountOf(named.blanked, ctx.accounts);
  if ('refusal' in account) return account;
  const concept = account.concept;
  // Account names blanked too: 접대비 holds 대비.
  const rest = account.blanked;
  const mentions = periodMentions(rest, ctx.current, { future: WORDS.deadline.test(rest) });
  const statuses = STATUS_WORDS.filter(([re]) => re.test(rest)).map(([, s]) => s);
  const severities = SEVERITY_WORDS.filter(([re]) => re.test(rest)).map(([, s]) => s);
  const ruleIds = ruleIdsOf(named.blanked, concept);
  const companies = named.ids.length > 0 ? named.ids : undefined;

  const intent = intentOf(rest, { concept, statuses, ruleIds, severities, named: named.ids.length });
  if (intent === undefined) return { refusal: '이 질문은 지식 그래프의 질문 목록으로 답할 수 없습니다.' };
  const notes: string[] = [];
  const base: Pick<AskParams, 'companies'> = companies ? { companies } : {};

  switch (intent) {
    case 'review-status': {
      const range = rangeOr(mentions, { from: periodOf(parsePeriod(ctx.current).year, 1), to: ctx.current }, notes, '올해');
      return { call: { intent, params: { ...base, ...range, statuses, ...(ruleIds && { ruleIds }) } }, notes };
    }
    case 'deadlines': {
      const explicit = coveringRange(mentions);
      if (explicit && !WORDS.upcoming.test(rest.replace(/다음\s*달/, ''))) return { call: { intent, params: { ...base, ...explicit } }, notes };
      const range = explicit ?? { from: ctx.current, to: addMonths(ctx.current, 1) };
      const today = seoulDay(ctx.now);
      if (!explicit) notes.push(`오늘(${today})부터 ${lastDayOfMonth(range.to)}까지의 기한입니다.`);
      return { call: { intent, params: { ...base, ...range, dueFrom: today } }, notes };
    }
    case 'findings': {
      const range = rangeOr(mentions, { from: ctx.current, to: ctx.current }, notes, '이번 달');
      const params: AskParams = { ...base, ...range, ...(ruleIds && { ruleIds }), ...(severities.length > 0 && { severities }) };
      return { call: { intent, params }, notes };
    }
    case 'account-trend': {
      // Named, never assumed: a name the matcher does not know (another's company) must not read as one's own.
      if (companies?.length !== 1) {
        return { refusal: '추이는 한 고객사에 대해 답합니다: 볼 수 있는 고객사 이름을 하나 적어 주십시오 (예: (주)가람제조 복리후생비 추이).' };
      }
      const range = rangeOr(mentions, { from: periodOf(parsePeriod(ctx.current).year, 1), to: ctx.current }, notes, '올해');
      const params = { companies, ...range, accounts: concept!.codes };
      return { call: { intent, params }, notes, account: concept };
    }
    case 'account-totals': {
      const range = rangeOr(mentions, { from: ctx.current, to: ctx.current }, notes, '이번 달');
      const top = topOf(rest);
      return { call: { intent, params: { ...base, ...range, accounts: concept!.codes, ...(top && { top }) } }, notes, account: concept };
    }
    case 'account-growth': {
      const ranges = comparison(text, rest, mentions, ctx.current, notes);
      const min = /(\d+(?:\.\d+)?)\s*%/.exec(rest);
      const params: AskParams = { ...base, ...ranges, accounts: concept!.codes, ...(min && { minGrowthPct: Number(min[1]) }) };
      return { call: { intent, params }, notes, account: concept };
    }
    case 'companies': {
      const range = rangeOr(mentions, { from: addMonths(ctx.current, -11), to: ctx.current }, notes, '최근 12개월');
      return { call: { intent, params: { ...base, ...range } }, notes };
    }
  }
}

function intentOf(
  text: string,
  found: { concept?: AccountConcept; statuses: ReviewStatus[]; ruleIds?: string[]; severities: Severity[]; named: number },
): IntentId | undefined {
  if (found.statuses.length > 0) return 'review-status';
  if (WORDS.deadline.test(text)) return 'deadlines';
  if (found.concept && WORDS.trend.test(text)) return 'account-trend';
  if (found.concept && /대비|%/.test(text) && WORDS.growth.test(text)) return 'account-growth';
  if (found.ruleIds && (WORDS.finding.test(text) || !found.concept)) return 'findings';
  if (found.severities.length > 0 || WORDS.finding.test(text)) return 'findings';
  if (found.concept && (WORDS.totals.test(text) || found.named > 0)) return 'account-totals';
  if (WORDS.companies.test(text)) return 'companies';
  return undefined;
}

function ruleIdsOf(text: string, concept: AccountConcept | undefined): string[] | undefined {
  for (const [re, ids] of RULE_WORDS) {
    if (!re.test(text)) continue;
    // 한도 of 차량 is the car-cost limit, not the entertainment one.
    if (ids[0] === 'ENT-LIMIT' && /차량|승용차/.test(text)) return ['CAR-COST'];
    // 한도 beside another account (a question about that account) is not the entertainment limit.
    if (ids[0] === 'ENT-LIMIT' && concept && !ENTERTAINMENT.test(concept.label)) continue;
    return ids;
  }
  return undefined;
}

function namedCompanies(text: string, companies: readonly DirectoryEntry[]): { ids: CompanyId[]; blanked: string } | { refusal: string } {
  const aliases = companies
    .flatMap((entry) => companyAliases(entry).map((alias) => ({ alias, id: entry.id })))
    .sort((a, b) => b.alias.length - a.alias.length);
  const ids: CompanyId[] = [];
  let blanked = text;
  for (const { alias, id } of aliases) {
    if (!blanked.includes(alias)) continue;
    blanked = blanked.split(alias).join(' ');
    if (!ids.includes(id)) ids.push(id);
  }
  // A company written with its legal form or a company-like ending that is none of the person's companies: say so,
  // never answer for the whole firm instead.
  const unknown =
    /(?:\(주\)|㈜|주식회사)\s*[가-힣A-Za-z0-9]+|[가-힣A-Za-z0-9]+(?:물산|전자|제조|건설|산업|상사|유통|식품|정보통신|서비스|테크|코리아|홀딩스|그룹|무역|물류|바이오|화학|엔지니어링|컴퍼니|제약|도소매|노무법인|회계법인)/.exec(
      blanked,
    );
  if (unknown) return { refusal: `'${unknown[0]}'은(는) 볼 수 있는 고객사 중에 없습니다.` };
  return { ids, blanked };
}

function accountOf(text: string, vocabulary: AccountVocabulary): { concept?: AccountConcept; blanked: string } | { refusal: string } {
  const found: AccountConcept[] = [];
  let blanked = text;
  for (const { word, concept } of vocabulary.words) {
    if (!blanked.includes(word)) continue;
    // Blanked to the same length, so the positions of months (before or after 대비) stay where they were.
    blanked = blanked.split(word).join('□'.repeat(word.length));
    if (!found.some((c) => c.codes.join() === concept.codes.join())) found.push(concept);
  }
  if (found.length > 1) return { refusal: `한 번에 한 계정만 물을 수 있습니다 (${found.map((c) => c.label).join(', ')}).` };
  return { concept: found[0], blanked };
}

function rangeOr(mentions: readonly PeriodMention[], fallback: MonthRange, notes: string[], name: string): MonthRange {
  const range = coveringRange(mentions);
  if (range) return { from: range.from, to: range.to };
  notes.push(`기간이 없어 ${name}(${fallback.from === fallback.to ? fallback.from : `${fallback.from}~${fallback.to}`}) 기준으로 답했습니다.`);
  return fallback;
}

function topOf(text: string): number | undefined {
  const n = /상위\s*(\d{1,3})/.exec(text);
  if (n) return Number(n[1]);
  return /가장|제일|1위|최고|최대/.test(text) ? 1 : undefined;
}

/** "A 대비 B": A is the base; 작년 대비 is the same months a year earlier; with no A, the month before. */
function comparison(
  text: string,
  rest: string,
  mentions: readonly PeriodMention[],
  current: Period,
  notes: string[],
): { from: Period; to: Period; base: MonthRange } {
  const at = rest.indexOf('대비');
  const before = at < 0 ? [] : mentions.filter((m) => m.index < at);
  const after = at < 0 ? mentions : mentions.filter((m) => m.index > at);
  const priorYear = before.some((m) => m.priorYear) || /전년\s*동기/.test(text);
  let range = coveringRange(after);
  if (!range) {
    range = priorYear ? { from: periodOf(parsePeriod(current).year, 1), to: current } : { from: current, to: current };
    if (before.length === 0 || priorYear) notes.push(`비교 대상 기간은 ${range.from}~${range.to}입니다.`);
  }
  let base = priorYear ? yearBefore(range) : coveringRange(before);
  if (!base) {
    base = { from: addMonths(range.from, -1), to: addMonths(range.from, -1) };
    notes.push(`비교 기준 기간이 없어 직전 달(${base.from})과 비교했습니다.`);
  }
  return { from: range.from, to: range.to, base };
}
