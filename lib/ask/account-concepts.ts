// Accounts as an accountant names them: a chart label covers every code that carries it (복리후생비 is 511 and 811),
// and a few names stand for their statutory or everyday twin (접대비 = 기업업무추진비, 매출 = 상품·제품매출).
import type { ChartAccount } from '../domain/ledger';

export interface AccountConcept {
  /** The name the answer uses. */
  label: string;
  codes: string[];
  /** Liabilities, equity, revenue and non-operating income grow on the credit side: their net is credit − debit. */
  creditNormal: boolean;
}

/** Everyday names and the chart labels they stand for. */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  접대비: ['접대비', '기업업무추진비'],
  기업업무추진비: ['접대비', '기업업무추진비'],
  매출: ['상품매출', '제품매출'],
  매출원가: ['상품매출원가', '제품매출원가'],
  인건비: ['급여', '직원급여', '상여금'],
};

/** Codes 251–450 and 901–930 (docs/spec/chart-of-accounts.md). */
export function isCreditNormal(code: string): boolean {
  const n = Number(code);
  return (n >= 251 && n <= 450) || (n >= 901 && n <= 930);
}

export interface AccountVocabulary {
  /** Every word that names a concept, longest first, so 매출원가 is read before 매출. */
  words: Array<{ word: string; concept: AccountConcept }>;
  byCode: ReadonlyMap<string, ChartAccount>;
}

export function accountVocabulary(chart: ReadonlyMap<string, ChartAccount>): AccountVocabulary {
  const codesOf = (labels: readonly string[]) => [...chart.values()].filter((a) => labels.includes(a.name)).map((a) => a.code);
  const concept = (label: string, labels: readonly string[]): AccountConcept | undefined => {
    const codes = codesOf(labels).sort();
    if (codes.length === 0 || new Set(codes.map(isCreditNormal)).size > 1) return undefined;
    return { label, codes, creditNormal: isCreditNormal(codes[0]!) };
  };
  const words = new Map<string, AccountConcept>();
  for (const account of chart.values()) {
    const c = concept(account.name, ALIASES[account.name] ?? [account.name]);
    if (c) words.set(account.name, c);
  }
  for (const [word, labels] of Object.entries(ALIASES)) {
    const c = concept(word, labels);
    if (c) words.set(word, c);
  }
  return {
    words: [...words].map(([word, c]) => ({ word, concept: c })).sort((a, b) => b.word.length - a.word.length),
    byCode: chart,
  };
}

/** The concept of a list of codes (the label of the first, all codes), for a call a model filled in. */
export function conceptOfCodes(vocabulary: AccountVocabulary, codes: readonly string[]): AccountConcept | undefined {
  const known = codes.filter((c) => vocabulary.byCode.has(c));
  if (known.length !== codes.length || new Set(known.map(isCreditNormal)).size !== 1) return undefined;
  const match = vocabulary.words.find((w) => w.concept.codes.join() === [...known].sort().join());
  return { label: match?.word ?? vocabulary.byCode.get(known[0]!)!.name, codes: [...known].sort(), creditNormal: isCreditNormal(known[0]!) };
}
