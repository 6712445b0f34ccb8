// Rules that learn: a scripted year of findings and reviews gives exact rates per rule and band, firm-wide and per
// industry, and exactly the threshold proposal of the policy, as a diff of parameters.ttl.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config';
import type { Finding, FindingCategory, FindingsDocument, ReviewStatus } from '../../lib/domain/findings';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { recordFindings } from '../../lib/llm/findings-graph';
import { findingKey } from '../../lib/review/finding-key';
import { appendReview } from '../../lib/review/finding-reviews';
import { bandOf, lastTwelveMonths, reviewRates, ruleFeedback, type FeedbackRow, type RuleFeedback } from '../../lib/review/rule-feedback';
import { proposeThresholds } from '../../lib/review/rule-feedback-proposal';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';

const COMPANIES = [
  { id: 'c10-가공', industry: '제조' },
  { id: 'c11-나사', industry: '제조' },
  { id: 'c12-다온', industry: '도소매' },
];
const [A, B, C] = COMPANIES.map((c) => c.id) as [string, string, string];

const CATEGORY: Record<string, FindingCategory> = {
  SPIKE: 'EXPENSE_SPIKE',
  'DEPOSIT-INSIDER': 'SUSPENSE_RECEIPT',
  'EXP-PROOF': 'MISSING_PROOF',
  'ENT-PROOF': 'MISSING_PROOF',
  DEADLINE: 'FILING_DEADLINE',
};

/** company, month, rule, amount, threshold, then the review versions in order (none: never reviewed). */
type Scripted = [string, string, string, number | undefined, number | undefined, ...ReviewStatus[]];
const FP = 'false-positive';
const SCRIPT: Scripted[] = [
  // SPIKE just past its threshold: 4 of 6 reviewed dismissed (one after an earlier 확인), one 오탐 re-opened.
  [A, '2024-02', 'SPIKE', 12_000_000, 10_000_000, FP],
  [A, '2024-03', 'SPIKE', 12_000_000, 10_000_000, 'acknowledged', FP],
  [A, '2024-04', 'SPIKE', 14_000_000, 10_000_000, 'resolved'],
  [B, '2024-05', 'SPIKE', 15_000_000, 10_000_000, FP],
  [C, '2024-06', 'SPIKE', 11_000_000, 10_000_000, FP],
  [C, '2024-07', 'SPIKE', 13_000_000, 10_000_000, 'acknowledged'],
  [A, '2024-08', 'SPIKE', 12_000_000, 10_000_000, FP, 'open'],
  // SPIKE far past it.
  [A, '2024-09', 'SPIKE', 40_000_000, 10_000_000, 'resolved'],
  [B, '2024-10', 'SPIKE', 31_000_000, 10_000_000],
  // Outside the range: neither the finding nor its dismissal counts.
  [A, '2023-12', 'SPIKE', 12_000_000, 10_000_000, FP],
  // 가수금 just past its threshold, mostly resolved: no proposal.
  [A, '2024-01', 'DEPOSIT-INSIDER', 60_000_000, 50_000_000, 'resolved'],
  [A, '2024-02', 'DEPOSIT-INSIDER', 60_000_000, 50_000_000, 'resolved'],
  [B, '2024-03', 'DEPOSIT-INSIDER', 70_000_000, 50_000_000, 'resolved'],
  [C, '2024-04', 'DEPOSIT-INSIDER', 55_000_000, 50_000_000, FP],
  [C, '2024-05', 'DEPOSIT-INSIDER', 55_000_000, 50_000_000, 'acknowledged'],
  [B, '2024-06', 'DEPOSIT-INSIDER', 30_000_000, 50_000_000],
  // Every one dismissed, but only 4 reviewed: too few for a proposal.
  [A, '2024-01', 'EXP-PROOF', 1_200_000, 1_000_000, FP],
  [A, '2024-02', 'EXP-PROOF', 1_200_000, 1_000_000, FP],
  [A, '2024-03', 'EXP-PROOF', 1_200_000, 1_000_000, FP],
  [A, '2024-04', 'EXP-PROOF', 1_200_000, 1_000_000, FP],
  // Dismissed again and again, but 3만원 is the law's number: no proposal.
  ...['2024-01', '2024-02', '2024-03', '2024-04', '2024-05'].map((p): Scripted => [C, p, 'ENT-PROOF', 40_000, 30_000, FP]),
  [B, '2024-01', 'DEADLINE', undefined, undefined, 'acknowledged'],
  [B, '2024-02', 'DEADLINE', undefined, undefined],
];

function finding(period: string, ruleId: string, amount: number | undefined, threshold: number | undefined): Finding {
  return {
    ruleId,
    category: CATEGORY[ruleId]!,
    severity: ruleId === 'DEADLINE' ? 'INFO' : 'LOW',
    ...(amount !== undefined && { amount }),
    ...(threshold !== undefined && { threshold }),
    ...(ruleId === 'DEADLINE' && { dueDate: `${period}-25` }),
    message: `${ruleId} ${period}`,
    basis: 'test',
    evidence: ruleId === 'DEADLINE' ? [] : [{ date: `${period}-15`, voucher: '1', account: '830', amount: amount ?? 0 }],
  };
}

/** Records the script's months and reviews into `graph`. */
async function recordScript(graph: OxigraphStore): Promise<void> {
  const months = new Map<string, { doc: FindingsDocument; reviews: ReviewStatus[][] }>();
  for (const [companyId, period, ruleId, amount, threshold, ...statuses] of SCRIPT) {
    const id = `${companyId}|${period}`;
    const month = months.get(id) ?? { doc: sampleFindings(sampleCompany({ id: companyId }), { period }), reviews: [] };
    month.doc.findings.push(finding(period, ruleId, amount, threshold));
    month.reviews.push(statuses);
    months.set(id, month);
  }
  for (const { doc, reviews } of months.values()) {
    await recordFindings(graph, doc);
    for (const [i, f] of doc.findings.entries()) {
      for (const [v, status] of reviews[i]!.entries()) {
        await appendReview(graph, {
          companyId: doc.companyId,
          period: doc.period,
          findingKey: findingKey(f, doc),
          ruleId: f.ruleId,
          status,
          reviewer: 'accountant-choi',
          reviewedAt: `2025-01-0${v + 1}T00:00:00Z`,
          version: v + 1,
        });
      }
    }
  }
}

/** `rule band findings/open/acknowledged/resolved/dismissed`. */
const line = ({ ruleId, band, counts: c }: FeedbackRow) => `${ruleId} ${band} ${c.findings}/${c.open}/${c.acknowledged}/${c.resolved}/${c.dismissed}`;

let graph: OxigraphStore;
let feedback: RuleFeedback;
before(async () => {
  graph = new OxigraphStore();
  await recordScript(graph);
  feedback = await ruleFeedback(graph, COMPANIES, { from: '2024-01', to: '2024-12' });
});
after(() => graph?.close());

describe('rule feedback', { timeout: 60_000 }, () => {
  test('bands are amount / threshold, with none for a missing or zero threshold', () => {
    assert.deepEqual(
      [
        bandOf(30, 50),
        bandOf(50, 50),
        bandOf(51, 50),
        bandOf(75, 50),
        bandOf(76, 50),
        bandOf(150, 50),
        bandOf(151, 50),
        bandOf(5, 0),
        bandOf(undefined, 5),
        bandOf(5, undefined),
      ],
      ['at-or-below', 'at-or-below', 'up-to-1.5x', 'up-to-1.5x', '1.5x-3x', '1.5x-3x', 'over-3x', 'no-threshold', 'no-threshold', 'no-threshold'],
    );
  });

  test('firm-wide: every finding of the range counted once, by its latest review', () => {
    assert.equal(feedback.companies, 3);
    assert.deepEqual(feedback.firmWide.map(line), [
      'DEADLINE no-threshold 2/1/1/0/0',
      'DEPOSIT-INSIDER at-or-below 1/1/0/0/0',
      'DEPOSIT-INSIDER up-to-1.5x 5/0/1/3/1',
      'ENT-PROOF up-to-1.5x 5/0/0/0/5',
      'EXP-PROOF up-to-1.5x 4/0/0/0/4',
      'SPIKE up-to-1.5x 7/1/1/1/4',
      'SPIKE over-3x 2/1/0/1/0',
    ]);
    const spike = feedback.firmWide.find((r) => r.ruleId === 'SPIKE' && r.band === 'up-to-1.5x')!;
    assert.deepEqual(reviewRates(spike.counts), { reviewed: 6 / 7, acknowledged: 1 / 6, resolved: 1 / 6, dismissed: 4 / 6 });
    const deadline = feedback.firmWide.find((r) => r.ruleId === 'DEADLINE')!;
    assert.deepEqual(reviewRates(deadline.counts), { reviewed: 0.5, acknowledged: 1, resolved: 0, dismissed: 0 });
  });

  test('per industry, in Korean order', () => {
    assert.deepEqual(
      feedback.byIndustry.map(({ industry, companies, rows }) => [industry, companies, rows.map(line)]),
      [
        ['도소매', 1, ['DEPOSIT-INSIDER up-to-1.5x 2/0/1/0/1', 'ENT-PROOF up-to-1.5x 5/0/0/0/5', 'SPIKE up-to-1.5x 2/0/1/0/1']],
        [
          '제조',
          2,
          [
            'DEADLINE no-threshold 2/1/1/0/0',
            'DEPOSIT-INSIDER at-or-below 1/1/0/0/0',
            'DEPOSIT-INSIDER up-to-1.5x 3/0/0/3/0',
            'EXP-PROOF up-to-1.5x 4/0/0/0/4',
            'SPIKE up-to-1.5x 5/1/0/1/3',
            'SPIKE over-3x 2/1/0/1/0',
          ],
        ],
      ],
    );
  });

  test('the proposal raises SPIKE multiplier by the band edge, and nothing else, as a diff', async () => {
    const parameters = await readFile(path.join(PROJECT_ROOT, 'shapes', 'tax', 'parameters.ttl'), 'utf8');
    const proposal = proposeThresholds(feedback, parameters, 'shapes/tax/parameters.ttl');
    assert.deepEqual(
      proposal.proposals.map(({ ruleId, parameter, current, proposed }) => ({ ruleId, parameter, current, proposed })),
      [{ ruleId: 'SPIKE', parameter: 'multiplier', current: 3, proposed: 4.5 }],
    );
    assert.equal(proposal.parameters, parameters.replace(/^( {2}tax:multiplier) 3 ;$/m, '$1 4.5 ;'));
    const at = parameters.split('\n').indexOf('  tax:multiplier 3 ;') + 1;
    assert.equal(
      proposal.diff,
      `--- a/shapes/tax/parameters.ttl
+++ b/shapes/tax/parameters.ttl
@@ -${at - 3},7 +${at - 3},7 @@
 # Month movement M is a spike when M > multiplier × (average of the priorMonths before) and M > minimumMovement.
 rule:SPIKE
   tax:priorMonths 3 ;
-  tax:multiplier 3 ;
+  tax:multiplier 4.5 ;
   tax:minimumMovement 10000000 .
 
 rule:WELFARE-MISCLASS tax:keyword "선물" , "골프" , "거래처" , "접대" .
`,
    );
  });

  test('amounts are rounded to two significant digits, and a policy met twice edits both places in one diff', () => {
    const counts = { findings: 5, open: 0, acknowledged: 1, resolved: 0, dismissed: 4 };
    const rows: FeedbackRow[] = ['DEPOSIT-INSIDER', 'EXP-PROOF'].map((ruleId) => ({ ruleId, band: 'up-to-1.5x', counts }));
    const parameters = [
      'rule:EXP-PROOF',
      '  tax:lineLimit 30000 ;',
      '  tax:monthTotalLimit 1100000 .',
      '',
      'rule:DEPOSIT-INSIDER',
      '  tax:triggerLevel 0 ;',
      '  tax:threshold 50000000 .',
      '',
    ].join('\n');
    const proposal = proposeThresholds({ ...feedback, firmWide: rows }, parameters, 'p.ttl');
    assert.deepEqual(
      proposal.proposals.map((p) => `${p.ruleId} ${p.current}→${p.proposed}`),
      ['DEPOSIT-INSIDER 50000000→75000000', 'EXP-PROOF 1100000→1700000'],
    );
    assert.equal(
      proposal.diff,
      `--- a/p.ttl
+++ b/p.ttl
@@ -1,7 +1,7 @@
 rule:EXP-PROOF
   tax:lineLimit 30000 ;
-  tax:monthTotalLimit 1100000 .
+  tax:monthTotalLimit 1700000 .
 
 rule:DEPOSIT-INSIDER
   tax:triggerLevel 0 ;
-  tax:threshold 50000000 .
+  tax:threshold 75000000 .
`,
    );
  });

  test('without feedback there is no proposal and no diff; the default range is the 12 months up to last month', async () => {
    const empty = await ruleFeedback(graph, COMPANIES, { from: '2025-01', to: '2025-12' });
    assert.deepEqual([empty.companies, empty.firmWide, empty.byIndustry], [0, [], []]);
    assert.deepEqual(proposeThresholds(empty, 'rule:SPIKE tax:multiplier 3 .\n', 'p.ttl'), {
      proposals: [],
      parameters: 'rule:SPIKE tax:multiplier 3 .\n',
      diff: '',
    });
    // 15:30 UTC on New Year's Eve is already January in Seoul: last month is December.
    assert.deepEqual(lastTwelveMonths(new Date('2024-12-31T15:30:00Z')), { from: '2024-01', to: '2024-12' });
    assert.deepEqual(lastTwelveMonths(new Date('2024-12-31T14:30:00Z')), { from: '2023-12', to: '2024-11' });
  });
});
