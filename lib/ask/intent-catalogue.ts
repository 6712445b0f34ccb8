// The questions the graph can answer: a closed catalogue of intents, each a vetted SPARQL template
// (question-queries.ts) with typed parameters. A question is only ever answered through one of these.
import { z } from 'zod';
import { FINDING_CATEGORIES, REVIEW_STATUSES, type FindingCategory, type ReviewStatus, type Severity } from '../domain/findings';
import { assertCompanyId, assertPeriod, type CompanyId, type Period } from '../domain/ids';
import { monthsBetween } from '../domain/periods';

export const INTENTS = ['findings', 'review-status', 'deadlines', 'account-trend', 'account-totals', 'account-growth', 'companies'] as const;
export type IntentId = (typeof INTENTS)[number];

/** The rules whose findings the graph records, with the words an accountant uses for them. */
export const RULE_NAMES: Readonly<Record<string, string>> = {
  'ENT-LIMIT': '기업업무추진비(접대비) 한도 초과',
  'ENT-PROOF': '기업업무추진비 적격증빙 누락',
  'EXP-PROOF': '경비 적격증빙 누락',
  'LOAN-INSIDER': '가지급금(특수관계인 대여금)',
  'DEPOSIT-INSIDER': '가수금',
  'CAR-COST': '업무용승용차 비용',
  SPIKE: '비용 급증',
  'WELFARE-MISCLASS': '복리후생비 분류 오류',
  DEADLINE: '신고·납부 기한',
  'DQ-ACCOUNT': '장부 품질: 계정코드',
  'DQ-AMOUNT': '장부 품질: 금액',
  'DQ-BALANCE': '장부 품질: 차대 불일치',
  'DQ-BIZREGNO': '장부 품질: 사업자등록번호',
  'DQ-DATE': '장부 품질: 일자',
  'DQ-REQUIRED': '장부 품질: 필수 항목',
};
export const RULE_IDS = Object.keys(RULE_NAMES);

export const INTENT_TITLES: Readonly<Record<IntentId, string>> = {
  findings: '규칙별·위험도별·월별 지적사항 (한도 초과, 가지급금, 증빙 누락 등)',
  'review-status': '검토 상태별 지적사항 (오탐, 확인, 조치완료, 미검토)',
  deadlines: '신고·납부 기한',
  'account-trend': '한 고객사의 계정 월별 추이',
  'account-totals': '계정 금액 합계와 순위',
  'account-growth': '기간 대비 계정 증가율',
  companies: '볼 수 있는 고객사 목록',
};

/** What a refusal offers instead: one question per intent that the graph answers. */
export const EXAMPLE_QUESTIONS: readonly string[] = [
  '이번 달 접대비 한도를 넘은 고객사는?',
  '지난달 오탐 처리한 지적사항',
  '다음 달 신고 기한은?',
  '(주)가람제조 복리후생비 추이 보여줘',
  '올해 접대비를 가장 많이 쓴 곳은?',
  '1분기 대비 2분기 복리후생비가 30% 넘게 늘어난 곳',
  '담당 고객사 목록',
];

/** The longest period range a question may span: bounds the graphs a query reads. */
export const MAX_RANGE_MONTHS = 36;
const MAX_NAMED = 50;

const period = z.string().transform((p, ctx) => {
  try {
    return assertPeriod(p);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a month (YYYY-MM): ${JSON.stringify(p)}` });
    return z.NEVER;
  }
});
const companyId = z.string().transform((id, ctx) => {
  try {
    return assertCompanyId(id);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a company id: ${JSON.stringify(id)}` });
    return z.NEVER;
  }
});
const range = z.object({ from: period, to: period }).refine((r) => r.from <= r.to && monthsBetween(r.from, r.to).length <= MAX_RANGE_MONTHS, {
  message: `from ≤ to, at most ${MAX_RANGE_MONTHS} months`,
});

/**
 * An intent's parameters, checked the same way whoever filled them in (the matcher, a model, the API): only ids,
 * codes, months and numbers of known shapes ever reach a query.
 */
const AskParamsSchema = z
  .object({
    /** Named in the question; absent: every company the person may see. */
    companies: z.array(companyId).min(1).max(MAX_NAMED).optional(),
    from: period,
    to: period,
    /** Account codes of the chart (3 digits). */
    accounts: z
      .array(z.string().regex(/^\d{3}$/))
      .min(1)
      .max(MAX_NAMED)
      .optional(),
    ruleIds: z
      .array(z.enum(RULE_IDS as [string, ...string[]]))
      .min(1)
      .optional(),
    categories: z.array(z.enum(FINDING_CATEGORIES)).min(1).optional(),
    severities: z
      .array(z.enum(['HIGH', 'MEDIUM', 'LOW', 'INFO']))
      .min(1)
      .optional(),
    statuses: z.array(z.enum(REVIEW_STATUSES)).min(1).optional(),
    /** account-growth: the range the growth is measured against. */
    base: range.optional(),
    /** account-growth: only growth above this percentage. */
    minGrowthPct: z.number().min(-100).max(100_000).optional(),
    /** account-totals: the first N companies by amount. */
    top: z.number().int().min(1).max(100).optional(),
    /** deadlines: only due dates from this day (YYYY-MM-DD). */
    dueFrom: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
  .strict()
  .refine((p) => p.from <= p.to && monthsBetween(p.from, p.to).length <= MAX_RANGE_MONTHS, {
    message: `from ≤ to, at most ${MAX_RANGE_MONTHS} months`,
  });

export interface AskParams {
  companies?: CompanyId[];
  from: Period;
  to: Period;
  accounts?: string[];
  ruleIds?: string[];
  categories?: FindingCategory[];
  severities?: Severity[];
  statuses?: ReviewStatus[];
  base?: { from: Period; to: Period };
  minGrowthPct?: number;
  top?: number;
  dueFrom?: string;
}

export const IntentCallSchema = z.object({ intent: z.enum(INTENTS), params: AskParamsSchema }).superRefine((call, ctx) => {
  const p = call.params;
  const need = (ok: boolean, message: string) => ok || ctx.addIssue({ code: 'custom', message: `${call.intent}: ${message}` });
  if (call.intent.startsWith('account-')) need(p.accounts !== undefined, 'needs accounts');
  if (call.intent === 'account-trend') need(p.companies?.length === 1, 'needs exactly one company');
  if (call.intent === 'account-growth') need(p.base !== undefined && p.base.to < p.from, 'needs a base range before the range');
});

export interface IntentCall {
  intent: IntentId;
  params: AskParams;
}
