// A company whose ledger for the month has not arrived: the run waits for the `ledgerUploaded` signal, and after
// the deadline tells the admin (once) and fails non-retryably instead of retrying forever.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ledgerPath } from '../../lib/erp/company';
import { reportKeys } from '../../lib/storage/object-store';
import { outboxMails, recipientsOf } from '../support/artifacts';
import { FIXTURE_LEDGERS, startHarness, type Harness } from '../support/temporal-harness';
import { until } from '../../dev/until';
import { ledgerUploadedSignal } from '../../lib/temporal-contract';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

/** A copy of a fixture company without the month's ledger file. */
async function companyWithoutLedger(companyId: string, period: string): Promise<string> {
  const dir = path.join(h.config.ERP_DATA_DIR, 'companies', companyId);
  await cp(path.join(FIXTURE_LEDGERS, 'companies', 'c01-가람'), dir, { recursive: true });
  const company = JSON.parse(await readFile(path.join(dir, 'company.json'), 'utf8'));
  await writeFile(path.join(dir, 'company.json'), JSON.stringify({ ...company, id: companyId, reportRecipients: [`${companyId}@example.kr`] }));
  await rm(ledgerPath(h.config.ERP_DATA_DIR, companyId, period));
  return companyId;
}

/** Until the run shows it has been waiting: the extract attempt failed with LedgerMissingError and nothing runs. */
async function waitingForLedger(workflowId: string): Promise<void> {
  await until(
    async () => {
      const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
      return (history.events ?? []).some((e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type === 'LedgerMissingError');
    },
    `${workflowId} waiting for its ledger`,
    { intervalMs: 200 },
  );
}

test('the ledger arrives while the run waits: the upload signal resumes it and the report goes out', async () => {
  const companyId = await companyWithoutLedger('late-upload', '2024-03');
  const handle = await h.client.workflow.start('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'ledger-late-upload',
    args: [{ companyId, period: '2024-03', ledgerWaitMs: 10 * 60_000 }],
  });
  await waitingForLedger('ledger-late-upload');
  await mkdir(path.dirname(ledgerPath(h.config.ERP_DATA_DIR, companyId, '2024-03')), { recursive: true });
  await cp(ledgerPath(FIXTURE_LEDGERS, 'c01-가람', '2024-03'), ledgerPath(h.config.ERP_DATA_DIR, companyId, '2024-03'));
  await handle.signal(ledgerUploadedSignal);
  const result = await handle.result();
  assert.equal(result.emailsSent, 1);
  assert.equal(result.riskLevel, 'HIGH', 'the same findings as c01-가람 2024-03');
});

test('no ledger by the deadline: one notice to the admin, a non-retryable LedgerMissingError, nothing else written', async () => {
  const companyId = await companyWithoutLedger('never-uploaded', '2024-04');
  const err = await h.client.workflow
    .execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'ledger-never',
      args: [{ companyId, period: '2024-04', ledgerWaitMs: 1500 }],
    })
    .catch((e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError);
  assert.ok(err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'LedgerMissingError');
  assert.equal(err.cause.nonRetryable, true);
  assert.match(err.cause.message, /never-uploaded 2024-04: no ledger arrived/);

  const mails = (await outboxMails(h.config.OUTBOX_DIR)).filter((m) => /장부 미제출/.test(m.subject ?? ''));
  assert.equal(mails.length, 1);
  assert.deepEqual(recipientsOf(mails[0]!), [h.config.ADMIN_EMAIL]);
  assert.match(mails[0]!.text ?? '', /companies\/never-uploaded\/ledger\/2024-04\.\{csv,xlsx,xls\}/);
  assert.match(mails[0]!.text ?? '', /--workflow-id ledger-never/);
  assert.equal((await outboxMails(h.config.OUTBOX_DIR)).filter((m) => recipientsOf(m).includes('never-uploaded@example.kr')).length, 0);
  assert.equal(existsSync(path.join(h.config.REPORT_STORE_DIR, reportKeys(companyId, '2024-04').findings)), false);

  // The extract was tried once, not retried: a missing file is a data problem, not an outage.
  const history = await h.client.workflow.getHandle('ledger-never').fetchHistory();
  const extracts = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'extractLedger');
  assert.equal(extracts.length, 1);
});
