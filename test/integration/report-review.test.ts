// Review before sending, on the stack as deployed: a real Temporal dev server, the worker as a child process on the
// prebuilt bundle, an RDF4J server and an SMTP server. The run waits with its draft; the validators refuse what may
// not enter the history; a revision re-renders; a worker restart loses nothing; the customer gets the approved PDF;
// the deadline escalates to the admin and the firm's policy holds or sends.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { FindingsDocument } from '../../lib/domain/findings';
import { pdfText } from '../support/artifacts';
import { startFaultStack, type FaultStack } from '../support/fault-stack';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';
import { until } from '../../dev/until';
import { workerProcess } from '../support/worker-process';
import {
  approveReportUpdate,
  requestChangesUpdate,
  reviewDraftQuery,
  type Reviewer,
  type ReviewDraft,
  reportStageQuery,
  ReportStageKey,
} from '../../lib/temporal-contract';

const PERIOD = '2024-03';
const ANALYST: Reviewer = { name: 'analyst-lee', role: 'analyst' };
const WAIT = { timeoutMs: 180_000, intervalMs: 200 };

let f: FaultStack;

before(async () => {
  f = await startFaultStack('review', { REVIEW_REQUIRED: 'all', REVIEW_DEADLINE: '1h', ADMIN_EMAIL: 'admin@tax-firm.example' });
  await cp(path.join(FIXTURE_LEDGERS, 'companies'), path.join(f.erpDir, 'companies'), { recursive: true });
  await f.worker.start();
});
after(async () => {
  await f?.stop();
});

const start = (companyId: string, period = PERIOD, extra: Record<string, unknown> = {}) =>
  f.client.workflow.start('monthlyCompanyReport', {
    taskQueue: f.taskQueue,
    workflowId: `review-${companyId}-${period}`,
    args: [{ companyId, period, ...extra }],
  });

/** A refused update's reason: the validator's message, carried as the failure's cause. */
const reason = (err: Error): string => `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`;

const draftOf = (handle: WorkflowHandle) => handle.query(reviewDraftQuery);

async function awaitingReview(handle: WorkflowHandle, version = 1): Promise<ReviewDraft> {
  return until(
    async () => {
      const draft = await draftOf(handle).catch(() => undefined);
      return draft?.stage === 'awaiting-review' && draft.draftVersion === version ? draft : undefined;
    },
    `${handle.workflowId} awaiting review of draft ${version}`,
    WAIT,
  );
}

/** The run's history, with its updates, timers and escalation, replays against the current workflow code. */
async function assertReplays(handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, handle.workflowId);
}

async function mailsTo(address: string): Promise<ParsedMail[]> {
  const raw = f.smtp.received.filter((m) => m.rcptTo.includes(address));
  return Promise.all(raw.map((m) => simpleParser(m.raw)));
}

async function auditRecords(): Promise<Array<{ action: string; target?: string; details?: Record<string, unknown> }>> {
  const text = await readFile(path.join(f.dir, 'audit', 'audit.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

async function customerOf(companyId: string): Promise<string> {
  const company = JSON.parse(await readFile(path.join(f.erpDir, 'companies', companyId, 'company.json'), 'utf8')) as { reportRecipients: string[] };
  return company.reportRecipients[0]!;
}

const findingsDoc = async (companyId: string) =>
  JSON.parse(await readFile(path.join(f.dir, 'reports', companyId, PERIOD, 'findings.json'), 'utf8')) as FindingsDocument;

describe('review before sending', () => {
  test('the run waits with its draft; refused decisions leave no trace in the history; a revision re-renders; a worker restart loses nothing; the customer gets the approved PDF', async () => {
    const companyId = 'c01-가람';
    const handle = await start(companyId);
    const first = await awaitingReview(handle);
    assert.equal(await handle.query(reportStageQuery), 'awaiting-review');
    const described = await handle.describe();
    assert.equal(described.typedSearchAttributes.get(ReportStageKey), 'awaiting-review', 'the month overview reads the stage from visibility');
    const customer = await customerOf(companyId);
    assert.equal((await mailsTo(customer)).length, 0, 'nothing is sent before approval');

    // The validators: each of these is refused before it enters the history.
    const refused: Array<[string, () => Promise<unknown>, RegExp]> = [
      [
        'a viewer',
        () => handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: { name: 'viewer-kim', role: 'viewer' }, draftVersion: 1 }] }),
        /may not review reports/,
      ],
      [
        'another company’s analyst',
        () =>
          handle.executeUpdate(approveReportUpdate, {
            args: [{ reviewer: { name: 'analyst-nuri', role: 'analyst', companies: ['c02-누리'] }, draftVersion: 1 }],
          }),
        /may not review c01-가람/,
      ],
      [
        'a draft that is not the current one',
        () => handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: ANALYST, draftVersion: 7 }] }),
        /not the current draft/,
      ],
      [
        'an empty comment',
        () => handle.executeUpdate(requestChangesUpdate, { args: [{ reviewer: ANALYST, draftVersion: 1, comment: ' ' }] }),
        /comment must be non-empty/,
      ],
      [
        'an unknown role',
        () => handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: { name: 'x', role: 'owner' as never }, draftVersion: 1 }] }),
        /needs a name and a role/,
      ],
    ];
    for (const [who, update, message] of refused) await assert.rejects(update(), (err: Error) => message.test(reason(err)), who);
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 0, 'no refused update is in the history');

    // Request changes with the accountant's own summary: the next draft is rendered from it.
    const edited = '검토 의견을 반영한 요약입니다. 가지급금 정리 계획을 다음 달까지 받아 주십시오.';
    const revised = await handle.executeUpdate(requestChangesUpdate, {
      args: [{ reviewer: ANALYST, draftVersion: 1, comment: '요약을 고객 눈높이에 맞춰 다시 씀', narrative: edited }],
    });
    assert.deepEqual(revised, { draftVersion: 2 });
    const second = await awaitingReview(handle, 2);
    assert.notEqual(second.pdfSha256, first.pdfSha256, 'the revision is a new PDF');
    assert.equal(second.requests.length, 1);
    const doc = await findingsDoc(companyId);
    assert.equal(doc.narrative.text, edited);
    assert.equal(doc.narrative.editedBy?.reviewer, 'analyst-lee');
    assert.equal(doc.narrative.editedBy?.draftVersion, 2);

    // The worker dies while the run waits; a new one picks the run up where it was.
    await f.worker.kill();
    await f.worker.start();
    assert.equal((await awaitingReview(handle, 2)).pdfSha256, second.pdfSha256);

    await assert.rejects(
      handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: ANALYST, draftVersion: 1 }] }),
      (err: Error) => /not the current draft/.test(reason(err)),
      'approving the draft before the revision is refused',
    );
    assert.deepEqual(await handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: ANALYST, draftVersion: 2, note: '확인 완료' }] }), {
      approvedVersion: 2,
    });
    const result = await handle.result();
    assert.ok(result.emailsSent >= 1);

    const [mail] = await mailsTo(customer);
    assert.ok(mail, 'the customer got the report');
    assert.match(mail.text ?? '', /담당 세무사가 검토하고 승인한 리포트입니다/);
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    assert.ok(pdf);
    assert.equal(createHash('sha256').update(pdf.content).digest('hex'), second.pdfSha256, 'the approved draft is what was sent');
    const attached = path.join(tmpdir(), `review-${process.pid}.pdf`);
    await writeFile(attached, pdf.content);
    assert.match((await pdfText(attached)).replace(/\s+/g, ''), /가지급금정리계획을다음달까지받아주십시오/);
    const approved = await findingsDoc(companyId);
    assert.deepEqual(
      { reviewer: approved.approval?.reviewer, draftVersion: approved.approval?.draftVersion, note: approved.approval?.note },
      { reviewer: 'analyst-lee', draftVersion: 2, note: '확인 완료' },
    );

    // The run has ended: a late decision is refused, not lost.
    await assert.rejects(handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: ANALYST, draftVersion: 2 }] }));
    await assertReplays(handle);
  });

  test('an update to a run that is not waiting for review is refused with the reason', async () => {
    // No ledger for 2025-01: the run waits for it.
    const handle = await start('c02-누리', '2025-01', { ledgerWaitMs: 3_600_000 });
    await until(async () => (await handle.query(reportStageQuery).catch(() => undefined)) === 'waiting-for-ledger', 'waiting for the ledger', WAIT);
    await assert.rejects(handle.executeUpdate(approveReportUpdate, { args: [{ reviewer: ANALYST, draftVersion: 1 }] }), (err: Error) =>
      /not waiting for review/.test(reason(err)),
    );
    assert.equal(await handle.query(reviewDraftQuery), undefined);
    await handle.cancel();
    await assert.rejects(handle.result());
  });

  test('past the deadline the admin is told; `hold` keeps waiting for an approval, `send` sends the draft unapproved', async () => {
    await f.worker.stop();
    const holding = workerProcess({ ...f.workerEnv, REVIEW_DEADLINE: '3s', REVIEW_DEADLINE_POLICY: 'hold' });
    await holding.start();
    try {
      const held = await start('c03-다솜');
      await awaitingReview(held);
      const overdue = await until(
        async () => (await mailsTo('admin@tax-firm.example')).find((m) => m.subject?.includes('검토 기한 경과')),
        'the overdue notice',
        WAIT,
      );
      assert.match(overdue.text ?? '', /REVIEW_DEADLINE_POLICY=hold/);
      assert.equal((await draftOf(held))?.escalated, true);
      assert.equal((await draftOf(held))?.stage, 'awaiting-review', 'held: still waiting');
      assert.equal((await mailsTo(await customerOf('c03-다솜'))).length, 0, 'held: nothing sent');
      await held.executeUpdate(approveReportUpdate, { args: [{ reviewer: ANALYST, draftVersion: 1 }] });
      await held.result();
      assert.equal((await mailsTo(await customerOf('c03-다솜'))).length, 1);
      await assertReplays(held);
    } finally {
      await holding.stop();
    }

    const sending = workerProcess({ ...f.workerEnv, REVIEW_DEADLINE: '3s', REVIEW_DEADLINE_POLICY: 'send' });
    await sending.start();
    try {
      const sent = await start('c04-미르');
      const result = await sent.result();
      assert.ok(result.emailsSent >= 1, 'sent at the deadline without an approval');
      const doc = JSON.parse(await readFile(path.join(f.dir, 'reports', 'c04-미르', PERIOD, 'findings.json'), 'utf8')) as FindingsDocument;
      assert.equal(doc.approval?.reviewer, undefined);
      assert.equal(doc.approval?.draftVersion, 1);
      const [mail] = await mailsTo(await customerOf('c04-미르'));
      assert.doesNotMatch(mail?.text ?? '', /승인한 리포트/, 'the customer is not told it was approved');
      const records = await auditRecords();
      assert.ok(records.some((r) => r.action === 'report.sent_unapproved' && r.target === `c04-미르/${PERIOD}`));
      assert.equal(records.filter((r) => r.action === 'report.review_escalated' && r.target?.startsWith('c0')).length, 2);
      await assertReplays(sent);
    } finally {
      await sending.stop();
      await f.worker.start();
    }
  });
});
