// Delivery over a real SMTP server, driven by the workflow: an outage is waited out with Temporal's retries
// and the customer gets exactly one e-mail, however often the month is run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { simpleParser } from 'mailparser';
import { createDeliveryActivities } from '../../activities/deliver-report';
import { reportKeys } from '../../lib/storage/object-store';
import { startSmtpServer } from '../../dev/servers/smtp-server';
import { startHarness, type Harness } from '../support/temporal-harness';

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let h: Harness;
before(async () => {
  smtp = await startSmtpServer();
  h = await startHarness({ SMTP_URL: smtp.url });
});
after(async () => {
  await h?.stop();
  await smtp?.close();
});

const runMonth = (workflowId: string, companyId: string, period: string) =>
  h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId,
    args: [{ companyId, period }],
  });

test('a temporary SMTP refusal (451) is retried by Temporal; the message arrives once', async () => {
  smtp.received.length = 0;
  smtp.state.rcptCode = 451;
  smtp.state.failuresLeft = 2;
  const result = await runMonth('tax-report-c00-한빛-2024-04', 'c00-한빛', '2024-04');
  assert.equal(result.emailsSent, 1);
  assert.equal(smtp.state.failuresLeft, 0, 'both refusals were seen');
  assert.equal(smtp.received.length, 1);
  const mail = await simpleParser(smtp.received[0]!.raw);
  assert.match(mail.subject ?? '', /한빛/);
  assert.equal(mail.attachments[0]?.contentType, 'application/pdf');

  // The same company-month run again (an operator re-run, a backfill): the findings are as delivered, nothing is sent.
  const again = await runMonth('tax-report-c00-한빛-2024-04', 'c00-한빛', '2024-04');
  assert.deepEqual([again.unchanged, again.version, again.emailsSent], [true, 1, 0]);
  assert.equal(smtp.received.length, 1);
});

test('a permanent refusal (550) fails the run at once, non-retryably, and sends nothing', async () => {
  smtp.received.length = 0;
  smtp.state.rcptCode = 550;
  smtp.state.failuresLeft = undefined;
  try {
    await assert.rejects(runMonth('tax-report-c01-가람-2024-04', 'c01-가람', '2024-04'), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const cause = err.cause?.cause;
      assert.ok(cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(cause.type, 'MailRejected');
      return true;
    });
  } finally {
    smtp.state.rcptCode = undefined;
  }
  assert.equal(smtp.received.length, 0);
});

test('a delivery names a company-month, never storage keys: keys an older input carries are not read, bad ids are refused', async () => {
  await runMonth('tax-report-c00-한빛-2024-05', 'c00-한빛', '2024-05');
  smtp.received.length = 0;
  const { deliverReport } = createDeliveryActivities(h.worker.deps);
  const theirs = reportKeys('c00-한빛', '2024-05');
  // An input of an earlier build naming 2024-05's documents for a month that has none: the keys are not used.
  const legacy = { companyId: 'c00-한빛', period: '2024-04', pdfKey: theirs.pdf, findingsKey: theirs.findings, deliveryId: 'forged' };
  await assert.rejects(deliverReport(legacy), (err: Error) => !/2024-05/.test(err.message), 'reads 2024-04, not the keys given');
  for (const [companyId, period] of [
    ['../c00-한빛', '2024-05'],
    ['c00-한빛', '2024-5'],
  ] as const) {
    await assert.rejects(deliverReport({ companyId, period, deliveryId: 'forged' }), { name: 'InvalidIdError' }, `${companyId} ${period}`);
  }
  assert.equal(smtp.received.length, 0);
});
