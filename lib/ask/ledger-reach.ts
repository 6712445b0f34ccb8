// What the graph holds against the months a question asks about. The month's ledger arrives after it ends, so
// "이번 달" has no ledger until the next month's run: it is read as the latest month that has one, and said so.
// Other months past the latest ledger are said to be missing, never answered with "none". Deadlines are about
// months to come and are left as asked.
import { addMonths, monthsBetween, type Period } from '../domain/periods';
import type { IntentCall } from './intent-catalogue';
import type { DirectoryEntry } from './korean-matcher';

export interface Reach {
  call: IntentCall;
  /** What the answer assumed, for the notes. */
  note?: string;
  /** Every month asked about is past the latest ledger: the whole answer. */
  notYet?: string;
}

export function ledgerReach(call: IntentCall, companies: readonly DirectoryEntry[], asOf: Period): Reach {
  const latest = companies
    .map((c) => c.last ?? '')
    .sort()
    .at(-1) as Period | undefined;
  const { from, to, base } = call.params;
  if (!latest || call.intent === 'deadlines' || to <= latest) return { call };
  if (from === to && from === asOf) {
    const back = 1 - monthsBetween(latest, asOf).length;
    const shifted = {
      ...call.params,
      from: latest,
      to: latest,
      ...(base && { base: { from: addMonths(base.from, back), to: addMonths(base.to, back) } }),
    };
    return { call: { ...call, params: shifted }, note: `이번 달(${asOf}) 원장은 아직 없어 가장 최근 원장인 ${latest}로 답했습니다.` };
  }
  if (from > latest) return { call, notYet: `${from === to ? from : `${from}~${to}`} 원장은 아직 없습니다. 가장 최근 원장은 ${latest}입니다.` };
  return { call, note: `${latest} 이후 원장은 아직 없습니다: ${latest}까지로 답했습니다.` };
}
