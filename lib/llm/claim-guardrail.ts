// Claims that contradict the findings whatever numbers they carry: a risk stated lower than that of the findings
// the claim is about (위험 없음, 리스크가 낮습니다, 문제없습니다 beside a HIGH finding), or a finding called settled
// (해소되었습니다, 상환 완료, 조치가 필요하지 않습니다) when every finding is an open item of this month. Which findings a
// claim is about is answer-scope.ts's part. Overstating a risk is left to the reader; a condition or a question
// (위험이 낮아지도록, 문제가 없는지, 상환했는지) claims nothing.
import type { RiskLevel } from '../domain/findings';
import { LEVEL_RANK, type Scope } from './answer-scope';

export interface Claim {
  text: string;
  index: number;
  /** `risk`: the text states `level`; `settled`: it says nothing is left to do. */
  kind: 'risk' | 'settled';
  level: RiskLevel;
}

const RISK_WORD = String.raw`(?:위험|리스크)(?:도|성)?(?:\s?(?:수준|등급|정도))?\s*(?:이|가|은|는)?\s*[:：]?\s*['‘"“]?`;
const PROBLEM = String.raw`(?:위험|리스크|문제|이상|특이\s?사항|지적\s?사항|위반\s?사항|우려)`;
/** How a sentence states that something is absent, as against 없는지, 없도록, 없으면. */
const ABSENT = String.raw`(?:없(?:음|습니다|다|고|으며|으나|지만|는데|어요?|는\s?것으로|는\s?상태|을\s?것)|발견되지\s*않았)`;
const PLAYED_DOWN = String.raw`(?:큰|특별한|별다른|별|심각한|중대한|커다란)\s*`;
const SETTLING = '해소|해결|완료|정리|상환|회수|시정|처리|정산|보완|조치|납부|신고';

const CLAIMS: ReadonlyArray<{ pattern: RegExp; kind: Claim['kind']; level: RiskLevel }> = [
  { kind: 'risk', level: 'NONE', pattern: new RegExp(String.raw`(?<!${PLAYED_DOWN})${PROBLEM}[^.!?\n]{0,6}?${ABSENT}`, 'g') },
  { kind: 'risk', level: 'NONE', pattern: /\bno\s+(?:tax\s+)?(?:risks?|issues?|problems?)\b|\brisk[- ]free\b|\bnothing to worry\b/gi },
  { kind: 'risk', level: 'LOW', pattern: new RegExp(String.raw`${PLAYED_DOWN}${PROBLEM}[^.!?\n]{0,6}?${ABSENT}`, 'g') },
  {
    kind: 'risk',
    level: 'LOW',
    pattern: new RegExp(
      String.raw`${RISK_WORD}(?:낮(?!아[지질져집]|[추출춰]|게|을수록|다면|으면)|경미|미미|적(?:습니다|음|다|은\s?편)|크지\s*않)`,
      'g',
    ),
  },
  {
    kind: 'risk',
    level: 'LOW',
    pattern:
      /저위험|낮은\s*(?:위험|리스크)|경미한\s*(?:위험|리스크|수준|사안)|걱정(?:하실|할)\s*필요(?:가|는)?\s*없|(?:걱정|신경\s*쓰)(?:하|시)?지\s*않(?:으셔도|아도)|안심하셔도|안전합니다|안전한\s*(?:상태|수준)|\blow[- ]risk\b/gi,
  },
  { kind: 'risk', level: 'MEDIUM', pattern: new RegExp(String.raw`${RISK_WORD}(?:보통|중간)|중위험`, 'g') },
  {
    kind: 'settled',
    level: 'NONE',
    pattern: new RegExp(
      String.raw`(?:${SETTLING})\s?(?:되었|됐|하였|했|된\s*상태|된\s*것으로|됨)(?!는지|는가|다면|으면|을지|더라도|어야|던|을\s*(?:때|경우))`,
      'g',
    ),
  },
  {
    kind: 'settled',
    level: 'NONE',
    pattern: /(?:조치|처리|정리|상환|회수|납부|신고|해결)\s?완료(?=\s*(?:됨|되었|됐|했|하였|된|입니다|상태|[.)\],]|$))/g,
  },
  { kind: 'settled', level: 'NONE', pattern: new RegExp(String.raw`이미\s*(?:모두\s*|전액\s*)?(?:${SETTLING})`, 'g') },
  {
    kind: 'settled',
    level: 'NONE',
    pattern:
      /(?:조치|대응|확인|검토|신고|납부|상환|보완|관리|수정)(?:가|이|는|은|도)?\s*(?:별도로\s*|더\s*|추가로\s*)?(?:필요\s?없|필요하지\s*않|불필요)(?!는지|도록|으면|다면)/g,
  },
  { kind: 'settled', level: 'NONE', pattern: /\b(?:resolved|settled|cleared|no action (?:is )?(?:needed|required))\b/gi },
];

export function findClaims(text: string): Claim[] {
  return CLAIMS.flatMap(({ pattern, kind, level }) => [...text.matchAll(pattern)].map((m) => ({ text: m[0], index: m.index, kind, level })));
}

/** Whether the claim is false of its scope: a lower risk than its findings', or an open finding called settled. */
export function contradicts(claim: Claim, scope: Scope): boolean {
  return claim.kind === 'settled' ? scope.findings > 0 : LEVEL_RANK[claim.level] < LEVEL_RANK[scope.level];
}
