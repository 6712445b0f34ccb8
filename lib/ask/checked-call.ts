// A proposed intent call (from a model, or the API) held to what the matcher's calls are: the catalogue's schema,
// companies of the asker's directory, one kind of account of the chart. `{ "intent": "none" }` is a model declining.
import type { AccountConcept } from './account-concepts';
import { conceptOfCodes } from './account-concepts';
import { IntentCallSchema, type IntentCall } from './intent-catalogue';
import type { MatchContext } from './korean-matcher';

export interface CheckedReading {
  call: IntentCall;
  account?: AccountConcept;
}

export function checkedCall(
  proposal: unknown,
  ctx: Pick<MatchContext, 'companies' | 'accounts'>,
): CheckedReading | { refusal: string } | { invalid: string } {
  if (typeof proposal === 'object' && proposal !== null && (proposal as { intent?: unknown }).intent === 'none') {
    return { refusal: '이 질문은 지식 그래프의 질문 목록으로 답할 수 없습니다.' };
  }
  const parsed = IntentCallSchema.safeParse(proposal);
  if (!parsed.success) return { invalid: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const call = parsed.data;
  const known = new Set<string>(ctx.companies.map((c) => c.id));
  const stranger = call.params.companies?.find((id) => !known.has(id));
  if (stranger) return { invalid: `company ${JSON.stringify(stranger)} is not one of the asker's` };
  if (!call.params.accounts) return { call };
  const account = conceptOfCodes(ctx.accounts, call.params.accounts);
  return account ? { call, account } : { invalid: `accounts ${call.params.accounts.join(',')}: not one kind of account of the chart` };
}
