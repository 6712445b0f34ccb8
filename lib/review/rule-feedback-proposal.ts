// Rules that learn, the proposing half: from a year's review feedback, new values for the firm's own thresholds in
// shapes/tax/parameters.ttl, as the edited file and its diff. A proposal only: a tax expert reviews it and edits
// the file by hand (docs/rule-feedback.md); nothing here writes shapes/.
import { FILE_HEADERS_ONLY, createTwoFilesPatch } from 'diff';
import { reviewedCount, type ReviewCounts, type RuleFeedback } from './rule-feedback';

/**
 * Per rule, the parameter that sets the threshold its findings carry (tax:threshold). Only the firm's own criteria
 * are tuned by feedback:
 * - EXP-PROOF tax:monthTotalLimit: the month's total without proof that makes the finding MEDIUM (the firm's
 *   materiality; below it the finding stays, LOW);
 * - DEPOSIT-INSIDER tax:threshold: the 가수금 balance that makes the finding MEDIUM (triggerLevel raises the LOW one);
 * - SPIKE tax:multiplier: the threshold is ⌊multiplier × prior average⌋, so raising it raises the threshold alike.
 * The others are the law's numbers (ENT-LIMIT's limit, the 3만원 lineLimit of ENT-PROOF/EXP-PROOF, CAR-COST's
 * 1,500만원, 가지급금 above 0) or have no threshold: dismissals there call for a look at the data, not a new number.
 */
export const TUNABLE_PARAMETERS: Readonly<Record<string, string>> = {
  'EXP-PROOF': 'monthTotalLimit',
  'DEPOSIT-INSIDER': 'threshold',
  SPIKE: 'multiplier',
};

/**
 * The policy: when in a rule's band just past its threshold (1–1.5×) at least MIN_REVIEWED findings were reviewed
 * and at least DISMISSED_SHARE of those were dismissed (오탐), the threshold sits too low: propose raising its
 * parameter to the band's upper edge (× RAISE_TO), so what the accountants kept dismissing is no longer raised at
 * that level. Fewer reviews are no evidence; rare dismissals (the findings were acknowledged or resolved) leave the
 * threshold as it is. Nothing is ever proposed lower: a missed risk is not something dismissals can show.
 */
export const PROPOSAL_POLICY = { band: 'up-to-1.5x', minReviewed: 5, dismissedShare: 0.6, raiseTo: 1.5 } as const;

export interface ThresholdProposal {
  ruleId: string;
  /** Local name of the tax: property in parameters.ttl. */
  parameter: string;
  current: number;
  proposed: number;
  /** The firm-wide counts of the rule's 1–1.5× band the proposal rests on. */
  evidence: ReviewCounts;
}

export interface ParametersProposal {
  proposals: ThresholdProposal[];
  /** parameters.ttl with the proposed values (the text given when there is no proposal). */
  parameters: string;
  /** Unified diff of `file` ('' when there is no proposal). */
  diff: string;
}

/** Applies the policy to `feedback`'s firm-wide rows against `parameters` (the text of `file`, a repository path). */
export function proposeThresholds(feedback: RuleFeedback, parameters: string, file: string): ParametersProposal {
  const lines = parameters.split('\n');
  const proposals: ThresholdProposal[] = [];
  for (const { ruleId, band, counts } of feedback.firmWide) {
    const parameter = TUNABLE_PARAMETERS[ruleId];
    if (parameter === undefined || band !== PROPOSAL_POLICY.band) continue;
    const reviewed = reviewedCount(counts);
    if (reviewed < PROPOSAL_POLICY.minReviewed || counts.dismissed / reviewed < PROPOSAL_POLICY.dismissedShare) continue;
    const at = parameterLine(lines, ruleId, parameter);
    const proposed = rounded(at.value * PROPOSAL_POLICY.raiseTo);
    lines[at.index] = lines[at.index]!.replace(at.literal, (_, name: string) => `${name}${proposed}`);
    proposals.push({ ruleId, parameter, current: at.value, proposed, evidence: counts });
  }
  const edited = lines.join('\n');
  // The `--- a/… +++ b/…` form `git apply` takes from the repository root.
  const diff =
    edited === parameters
      ? ''
      : createTwoFilesPatch(`a/${file}`, `b/${file}`, parameters, edited, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
  return { proposals, parameters: edited, diff };
}

/** The line of `rule:<ruleId>`'s statement that sets `tax:<parameter>` to a number, and that number. */
function parameterLine(lines: readonly string[], ruleId: string, parameter: string): { index: number; value: number; literal: RegExp } {
  const start = lines.findIndex((line) => line.startsWith(`rule:${ruleId} `) || line.trimEnd() === `rule:${ruleId}`);
  const literal = new RegExp(`(tax:${parameter}\\s+)(-?\\d+(?:\\.\\d+)?)(?=\\s*[;.,]|\\s*$)`);
  for (let i = Math.max(start, 0); start >= 0 && i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith('#')) continue;
    const match = literal.exec(line);
    if (match) return { index: i, value: Number(match[2]), literal };
    if (/\.\s*$/.test(line)) break;
  }
  throw new Error(`parameters.ttl sets no number for rule:${ruleId} tax:${parameter}`);
}

/** Amounts to two significant digits (50,000,000 × 1.5 = 75,000,000), factors to one decimal (3 × 1.5 = 4.5). */
function rounded(value: number): number {
  if (value < 100) return Math.round(value * 10) / 10;
  const unit = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.round(value / unit) * unit;
}
