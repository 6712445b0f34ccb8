// The rule feedback as Markdown: what `npm run rule-feedback` prints and writes to rule-feedback.md.
import { PROPOSAL_POLICY, type ParametersProposal, type ThresholdProposal } from './rule-feedback-proposal';
import { totalOf, type ProposalEffect, type SeverityCounts } from './rule-feedback-effect';
import { BAND_LABELS, reviewRates, reviewedCount, type FeedbackRow, type RuleFeedback } from './rule-feedback';

const SEVERITIES = ['HIGH', 'MEDIUM', 'LOW', 'INFO'] as const;

export function percent(share: number, of: number): string {
  return of === 0 ? '–' : `${Math.round(share * 100)}%`;
}

export function feedbackMarkdown(feedback: RuleFeedback, proposal: ParametersProposal, effect?: ProposalEffect): string {
  const parts = [
    `# 규칙 피드백 (rule feedback) ${feedback.from}..${feedback.to}`,
    `지적이 있었던 기업 ${feedback.companies}곳. 확인·조치완료·오탐 비율은 검토된 지적 대비, 검토율은 전체 지적 대비입니다. 구간 = 금액 / 기준 금액.`,
    '## 전사 (firm-wide)',
    rowsTable(feedback.firmWide),
    '## 업종별 (by industry)',
    ...feedback.byIndustry.flatMap(({ industry, companies, rows }) => [`### ${industry} (기업 ${companies}곳)`, rowsTable(rows)]),
    '## 기준 변경 제안 (proposal)',
    proposalText(proposal),
    "## 지난 1년 지적에 미치는 영향 (effect on last year's findings)",
    effect
      ? effectText(effect)
      : proposal.proposals.length === 0
        ? '제안이 없어 다시 분석하지 않았습니다.'
        : '다시 분석하지 않았습니다 (--no-effect).',
  ];
  return `${parts.join('\n\n')}\n`;
}

function rowsTable(rows: readonly FeedbackRow[]): string {
  if (rows.length === 0) return '지적 없음.';
  const head = [
    '| 규칙 | 구간 | 지적 | 미검토 | 확인 | 조치완료 | 오탐 | 검토율 | 확인율 | 조치율 | 오탐률 |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  return [
    ...head,
    ...rows.map(({ ruleId, band, counts: c }) => {
      const r = reviewRates(c);
      const reviewed = reviewedCount(c);
      const cells = [ruleId, BAND_LABELS[band], c.findings, c.open, c.acknowledged, c.resolved, c.dismissed];
      const rates = [
        percent(r.reviewed, c.findings),
        percent(r.acknowledged, reviewed),
        percent(r.resolved, reviewed),
        percent(r.dismissed, reviewed),
      ];
      return `| ${[...cells, ...rates].join(' | ')} |`;
    }),
  ].join('\n');
}

export function proposalReason(p: ThresholdProposal): string {
  const reviewed = reviewedCount(p.evidence);
  return `${p.ruleId} tax:${p.parameter} ${p.current} → ${p.proposed}: ${BAND_LABELS[PROPOSAL_POLICY.band]} 구간 검토 ${reviewed}건 중 오탐 ${p.evidence.dismissed}건 (${percent(p.evidence.dismissed / reviewed, reviewed)})`;
}

export function noProposalText(): string {
  const { minReviewed, dismissedShare } = PROPOSAL_POLICY;
  return `제안 없음: 기준 바로 위 구간(${BAND_LABELS[PROPOSAL_POLICY.band]})에서 검토 ${minReviewed}건 이상, 오탐 ${dismissedShare * 100}% 이상인 조정 가능 규칙이 없습니다.`;
}

function proposalText(proposal: ParametersProposal): string {
  if (proposal.proposals.length === 0) return noProposalText();
  return [
    ...proposal.proposals.map((p) => `- ${proposalReason(p)}`),
    '',
    '세무 전문가가 검토한 뒤 직접 반영합니다 (자동 적용 없음). parameters.diff:',
    '',
    '```diff',
    proposal.diff.trimEnd(),
    '```',
  ].join('\n');
}

function effectText(effect: ProposalEffect): string {
  const lines = [
    `같은 기간 ${effect.months}개 기업-월을 현재 기준과 제안 기준으로 다시 분석한 지적 건수 (npm run analyze와 같은 분석):`,
    '',
    '| 규칙 | 현재 | 제안 후 | 차이 |',
    '|---|--:|--:|--:|',
    ...effect.rules.map(({ ruleId, current, proposed }) => {
      const delta = totalOf(proposed) - totalOf(current);
      const changed = severities(current) !== severities(proposed);
      return `| ${ruleId} | ${severities(current)} | ${severities(proposed)} | ${changed ? (delta > 0 ? `+${delta}` : String(delta)) : ''} |`;
    }),
  ];
  if (effect.dataFailures.length > 0) lines.push('', `분석하지 못한 달 (데이터 품질): ${effect.dataFailures.join(', ')}`);
  return lines.join('\n');
}

/** `6 (MEDIUM 2, LOW 4)`. */
function severities(counts: SeverityCounts): string {
  const parts = SEVERITIES.filter((s) => counts[s]).map((s) => `${s} ${counts[s]}`);
  return `${totalOf(counts)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}
