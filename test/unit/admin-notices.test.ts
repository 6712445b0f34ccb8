// The admin's notices of a month: the failure notice of one company-month and the batch summary, composed and
// then sent by their activities through a real outbox mail transport (idempotent by delivery id).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import type { SendMailOptions } from 'nodemailer';
import { createAdminNoticeActivities } from '../../activities/notify-admin';
import type { ActivityDeps } from '../../activities/deps';
import type { BatchSummaryInput, RunFailureNoticeInput } from '../../activities/types';
import type { AppConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import {
  MailHeaderError,
  RUNBOOK_BASE,
  composeBatchSummaryMail,
  composeRunFailureMail,
  reportDeliveryKey,
  type BatchSummary,
  type MailOptions,
  type RunFailureNotice,
} from '../../lib/mail/compose-report-mail';
import { createMailTransport, deliveryMessageId } from '../../lib/mail/mail-transport';
import { outboxMails } from '../support/artifacts';
import { sampleCompany, writeCompanyData } from '../../dev/sample-documents';

const tmp = mkdtempSync(join(tmpdir(), 'admin-notices-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const OPTS: MailOptions = {
  firmName: '한결세무법인',
  from: 'reports@tax-firm.example',
  to: 'admin@tax-firm.example',
  deliveryKey: 'tax-report-c00-한빛-2024-05/run-1/failure|admin@tax-firm.example',
};

const FAILURE: RunFailureNotice = {
  companyId: 'c00-한빛',
  companyName: '(주)한빛노무법인',
  period: '2024-05',
  errorType: 'GraphStoreHttpError',
  cause: 'graph store answered 503 Service Unavailable\n  at POST /repositories/tax/statements',
  workflowId: 'tax-report-c00-한빛-2024-05',
  runId: '6f1c2d9e-0000-4000-8000-000000000001',
};

function counts(overrides: Partial<BatchSummary['counts']> = {}): BatchSummary['counts'] {
  return { listed: 20, started: 20, succeeded: 18, unchanged: 0, failed: 1, cancelled: 0, alreadyRunning: 0, waitingForLedger: 1, ...overrides };
}

function summary(overrides: Partial<BatchSummary> = {}): BatchSummary {
  return {
    period: '2024-05',
    batchWorkflowId: 'monthly-tax-reports-2024-06-01T00:00:00Z',
    kind: 'final',
    counts: counts(),
    failed: [{ companyId: 'c01-가람', cause: 'MailRejected: 550 5.1.1 mailbox unavailable' }],
    waitingForLedger: ['c02-누리'],
    alreadyRunning: [],
    ...overrides,
  };
}

/** A composed mail's plain text: always a string (the compose functions never set a stream or a buffer). */
function textOf(mail: SendMailOptions): string {
  assert.equal(typeof mail.text, 'string');
  return mail.text as string;
}

describe('composeRunFailureMail', () => {
  test('names the company, month, cause, run, the re-run line and the runbook', () => {
    const mail = composeRunFailureMail(FAILURE, OPTS);
    assert.equal(mail.subject, '[한결세무법인] 리포트 실패: (주)한빛노무법인 2024년 5월');
    const text = textOf(mail);
    assert.match(text, /^\(주\)한빛노무법인 \(c00-한빛\) 2024년 5월 리포트가 실패/);
    assert.match(text, /^오류 유형: GraphStoreHttpError$/m);
    // The message on one line.
    assert.match(text, /^오류 내용: graph store answered 503 Service Unavailable at POST \/repositories\/tax\/statements$/m);
    assert.match(text, /^Workflow ID: tax-report-c00-한빛-2024-05$/m);
    assert.match(text, /^Run ID: 6f1c2d9e-0000-4000-8000-000000000001$/m);
    assert.ok(
      text.includes(
        `  temporal workflow start --type monthlyCompanyReport --task-queue <TASK_QUEUE> --workflow-id tax-report-c00-한빛-2024-05 --input '{"companyId":"c00-한빛","period":"2024-05"}'`,
      ),
      text,
    );
    assert.equal(RUNBOOK_BASE, 'docs/runbooks/');
    assert.match(text, /^대응 절차: docs\/runbooks\/report-generation-failure\.md#run-failure-notice$/m);
    assert.equal(mail.headers && (mail.headers as Record<string, string>)['Auto-Submitted'], 'auto-generated');
  });

  test('a long cause is cut to about 500 characters, on one line', () => {
    const mail = composeRunFailureMail({ ...FAILURE, cause: `TimeoutFailure ${'x'.repeat(2000)}\nsecond line`, taskQueue: 'tax-reports' }, OPTS);
    const line = textOf(mail)
      .split('\n')
      .find((l) => l.startsWith('오류 내용: '))!;
    assert.equal(line.length, '오류 내용: '.length + 500);
    assert.ok(line.endsWith('…'));
    assert.ok(!textOf(mail).includes('second line'));
    assert.match(textOf(mail), /--task-queue tax-reports --workflow-id/);
  });

  test('a company name that would start a new header line is refused', () => {
    for (const companyName of ['(주)한빛\r\nBcc: victim@example.com', '한빛\n', 'a\u0000b']) {
      assert.throws(() => composeRunFailureMail({ ...FAILURE, companyName }, OPTS), MailHeaderError);
    }
  });
});

describe('composeBatchSummaryMail', () => {
  test('final: counts in the subject and the body, failed and waiting companies with their cause', () => {
    const mail = composeBatchSummaryMail(summary({ companyNames: { 'c01-가람': '(주)가람상사' } }), OPTS);
    assert.equal(mail.subject, '[한결세무법인] 2024년 5월 배치 요약 (월간 처리 완료): 성공 18, 실패 1, 장부 대기 1');
    const text = textOf(mail);
    for (const line of ['대상 회사: 20', '성공(리포트 발송): 18', '변경 없음(재실행, 발송 없음): 0', '실패: 1', '취소: 0', '장부 대기: 1']) {
      assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
    }
    assert.match(text, /^실패 \(1건\):\n- \(주\)가람상사 \(c01-가람\): MailRejected: 550 5\.1\.1 mailbox unavailable$/m);
    assert.match(text, /^장부 대기 \(1건\):\n- c02-누리$/m);
    assert.ok(!text.includes('이미 실행 중 ('), 'no empty list');
    assert.ok(!text.includes('외 '), 'nothing left out');
    assert.match(text, /monthly-tax-reports-2024-06-01T00:00:00Z/);
    assert.match(text, /docs\/runbooks\/report-generation-failure\.md#batch-summary/);
  });

  test('a list shorter than its count says how many more and gives the visibility query', () => {
    const mail = composeBatchSummaryMail(
      summary({
        kind: 'on-time',
        counts: counts({ succeeded: 30, failed: 25, waitingForLedger: 3, alreadyRunning: 2 }),
        failed: Array.from({ length: 20 }, (_, i) => ({ companyId: `c${i}`, cause: `GraphStoreHttpError: 503 (${i})` })),
        waitingForLedger: ['w1', 'w2', 'w3'],
        alreadyRunning: ['r1'],
      }),
      OPTS,
    );
    assert.equal(mail.subject, '[한결세무법인] 2024년 5월 배치 요약 (정시 처리 완료, 대기 중 3): 성공 30, 실패 25, 이미 실행 중 2');
    const text = textOf(mail);
    assert.match(text, /^실패 \(25건\):$/m);
    assert.match(text, /^- c19: GraphStoreHttpError: 503 \(19\)$/m);
    assert.ok(
      text.includes(
        `외 5건. 전체 목록:\n  temporal workflow list --query "WorkflowType='monthlyCompanyReport' AND Period='2024-05' AND ExecutionStatus='Failed'"`,
      ),
      text,
    );
    assert.match(text, /^장부 대기 \(3건\):\n- w1\n- w2\n- w3\n\n/m);
    assert.ok(
      text.includes(
        `이미 실행 중 (2건):\n- r1\n외 1건. 전체 목록:\n  temporal workflow list --query "WorkflowType='monthlyCompanyReport' AND Period='2024-05' AND ExecutionStatus='Running'"`,
      ),
      text,
    );
    assert.match(text, /최종 요약을 다시 보냅니다/);
  });

  test('cancelled: says so in the subject, lists where to find the cancelled runs and how to run the month again', () => {
    const mail = composeBatchSummaryMail(
      summary({
        kind: 'cancelled',
        counts: counts({ succeeded: 5, failed: 0, cancelled: 3, waitingForLedger: 0 }),
        failed: [],
        waitingForLedger: [],
      }),
      OPTS,
    );
    assert.equal(mail.subject, '[한결세무법인] 2024년 5월 배치 요약 (취소됨): 성공 5, 실패 0, 취소 3');
    const text = textOf(mail);
    assert.match(text, /취소되었습니다/);
    assert.ok(text.includes(`ExecutionStatus='Canceled'"`), text);
    assert.match(text, /npm run schedule -- --backfill 2024-05/);
    assert.ok(!text.includes('실패 ('), 'no failure list');
  });

  test('counts without their list (e.g. after continue-as-new) still point at the query', () => {
    const mail = composeBatchSummaryMail(summary({ failed: [], counts: counts({ failed: 2 }) }), OPTS);
    assert.match(textOf(mail), /^실패 \(2건\):\n외 2건\. 전체 목록:\n {2}temporal workflow list --query .*ExecutionStatus='Failed'"$/m);
  });
});

// ------------------------------------------------------------------------------------------------- activities

/** Runs `fn` as the activity `activityType` of a workflow run, as the worker would (activityLogger reads it). */
function inActivity<T>(activityType: string, fn: () => Promise<T>): Promise<T> {
  const info = { activityType, attempt: 1, workflowExecution: { workflowId: 'monthly-tax-reports-batch', runId: 'batch-run-1' } };
  return asyncLocalStorage.run({ info } as unknown as Context, fn);
}

function adminActivities(name: string) {
  const dir = join(tmp, name);
  const dataDir = join(dir, 'data');
  const outboxDir = join(dir, 'outbox');
  writeCompanyData(dataDir, sampleCompany(), {});
  writeCompanyData(dataDir, sampleCompany({ id: 'c01-가람', name: '(주)가람상사' }), {});
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const config = {
    ERP_DATA_DIR: dataDir,
    ADMIN_EMAIL: 'admin@tax-firm.example',
    MAIL_FROM: 'reports@tax-firm.example',
    FIRM_NAME: '한결세무법인',
    TASK_QUEUE: 'tax-reports',
  } as AppConfig;
  const mail = createMailTransport({ outboxDir });
  after(() => mail.close());
  // Only what the admin notices use.
  const deps = { config, mail, log: createLogger('info', sink) } as unknown as ActivityDeps;
  return { activities: createAdminNoticeActivities(deps), outboxDir, lines };
}

const emls = (outboxDir: string) => readdirSync(outboxDir).filter((f) => f.endsWith('.eml'));

describe('admin notice activities (outbox transport)', () => {
  const failure: RunFailureNoticeInput = {
    companyId: 'c00-한빛',
    period: '2024-05',
    workflowId: 'tax-report-c00-한빛-2024-05',
    runId: 'run-0001',
    errorType: 'GraphStoreHttpError',
    cause: 'graph store answered 503 Service Unavailable',
    deliveryId: 'tax-report-c00-한빛-2024-05/run-0001/failure',
  };

  test('deliverRunFailureNotice sends one mail per delivery id, with the cause', async () => {
    const { activities, outboxDir, lines } = adminActivities('failure');
    assert.deepEqual(await inActivity('deliverRunFailureNotice', () => activities.deliverRunFailureNotice(failure)), { sent: true });
    assert.deepEqual(await inActivity('deliverRunFailureNotice', () => activities.deliverRunFailureNotice(failure)), { sent: false });
    const files = emls(outboxDir);
    assert.equal(files.length, 1);
    const [mail] = await outboxMails(outboxDir);
    assert.equal(mail!.subject, '[한결세무법인] 리포트 실패: (주)한빛노무법인 2024년 5월');
    assert.match(mail!.text ?? '', /오류 내용: graph store answered 503 Service Unavailable/);
    assert.match(mail!.text ?? '', /--task-queue tax-reports --workflow-id tax-report-c00-한빛-2024-05/);
    assert.equal(mail!.messageId, deliveryMessageId(reportDeliveryKey(failure.deliveryId, 'admin@tax-firm.example')));
    // The raw .eml carries the cause too (the body is encoded; the subject says which company).
    const raw = readFileSync(join(outboxDir, files[0]!), 'utf8');
    assert.match(raw, /^To: admin@tax-firm\.example$/m);
    const logged = lines.filter((l) => l.event === 'run_failure_notice');
    assert.deepEqual(
      logged.map((l) => [l.already_sent, l.company_id, l.period, l.error_type, l.failed_run_id]),
      [
        [false, 'c00-한빛', '2024-05', 'GraphStoreHttpError', 'run-0001'],
        [true, 'c00-한빛', '2024-05', 'GraphStoreHttpError', 'run-0001'],
      ],
    );
  });

  test('deliverRunFailureNotice still sends when the company cannot be loaded, under its id', async () => {
    const { activities, outboxDir, lines } = adminActivities('unknown-company');
    const input = {
      ...failure,
      companyId: 'c99-없음',
      workflowId: 'tax-report-c99-없음-2024-05',
      errorType: 'UnknownCompanyError',
      cause: 'unknown company "c99-없음": no companies/c99-없음/company.json',
      deliveryId: 'tax-report-c99-없음-2024-05/run-9/failure',
    };
    assert.deepEqual(await inActivity('deliverRunFailureNotice', () => activities.deliverRunFailureNotice(input)), { sent: true });
    const [mail] = await outboxMails(outboxDir);
    assert.equal(mail!.subject, '[한결세무법인] 리포트 실패: c99-없음 2024년 5월');
    assert.match(mail!.text ?? '', /오류 유형: UnknownCompanyError/);
    assert.match(String(lines.find((l) => l.event === 'run_failure_notice')?.company_load_error), /UnknownCompanyError/);
  });

  test('deliverRunFailureNotice still sends for an id that is not allowed, quoted', async () => {
    const { activities, outboxDir } = adminActivities('invalid-id');
    const input = { ...failure, companyId: '../etc\nBcc: x@example.com', errorType: 'InvalidIdError', deliveryId: 'bad/run/failure' };
    assert.deepEqual(await inActivity('deliverRunFailureNotice', () => activities.deliverRunFailureNotice(input)), { sent: true });
    const [mail] = await outboxMails(outboxDir);
    assert.equal(mail!.subject, '[한결세무법인] 리포트 실패: "../etc\\nBcc: x@example.com" 2024년 5월');
    assert.equal(mail!.bcc, undefined);
  });

  test('deliverBatchSummary sends one mail per delivery id, naming the failed companies and their cause', async () => {
    const { activities, outboxDir, lines } = adminActivities('summary');
    const input: BatchSummaryInput = {
      period: '2024-05',
      batchWorkflowId: 'monthly-tax-reports-2024-06-01T00:00:00Z',
      kind: 'final',
      counts: counts({ listed: 3, started: 3, succeeded: 1, failed: 1, waitingForLedger: 1 }),
      failed: [{ companyId: 'c01-가람', cause: 'MailRejected: 550 5.1.1 mailbox unavailable' }],
      waitingForLedger: ['c00-한빛'],
      alreadyRunning: [],
      deliveryId: 'monthly-tax-reports-2024-06-01T00:00:00Z/final',
    };
    assert.deepEqual(await inActivity('deliverBatchSummary', () => activities.deliverBatchSummary(input)), { sent: true });
    assert.deepEqual(await inActivity('deliverBatchSummary', () => activities.deliverBatchSummary(input)), { sent: false });
    // Another kind of the same batch is another delivery.
    const onTime = { ...input, kind: 'on-time' as const, deliveryId: 'monthly-tax-reports-2024-06-01T00:00:00Z/on-time' };
    assert.deepEqual(await inActivity('deliverBatchSummary', () => activities.deliverBatchSummary(onTime)), { sent: true });
    assert.equal(emls(outboxDir).length, 2);
    const mails = await outboxMails(outboxDir);
    const final = mails.find((m) => m.subject?.includes('월간 처리 완료'));
    assert.equal(final?.subject, '[한결세무법인] 2024년 5월 배치 요약 (월간 처리 완료): 성공 1, 실패 1, 장부 대기 1');
    assert.match(final.text ?? '', /^- \(주\)가람상사 \(c01-가람\): MailRejected: 550 5\.1\.1 mailbox unavailable$/m);
    assert.match(final.text ?? '', /^- \(주\)한빛노무법인 \(c00-한빛\)$/m);
    const logged = lines.filter((l) => l.event === 'batch_summary');
    assert.deepEqual(
      logged.map((l) => [l.kind, l.already_sent, l.failed, l.period]),
      [
        ['final', false, 1, '2024-05'],
        ['final', true, 1, '2024-05'],
        ['on-time', false, 1, '2024-05'],
      ],
    );
  });

  test('deliverBatchSummary names each folder that is no company in a section of its own, quoted, with the reason and what to do', async () => {
    const { activities, outboxDir, lines } = adminActivities('skipped-folder');
    mkdirSync(join(tmp, 'skipped-folder', 'data', 'companies', 'bad%2fname\nBcc: x@example.com'));
    const input: BatchSummaryInput = {
      period: '2024-05',
      batchWorkflowId: 'monthly-tax-reports-2024-06-01T00:00:00Z',
      kind: 'final',
      counts: counts({ listed: 2, started: 2, succeeded: 2, failed: 0, waitingForLedger: 0 }),
      failed: [],
      waitingForLedger: [],
      alreadyRunning: [],
      deliveryId: 'monthly-tax-reports-2024-06-01T00:00:00Z/final',
    };
    await inActivity('deliverBatchSummary', () => activities.deliverBatchSummary(input));
    const [mail] = await outboxMails(outboxDir);
    assert.equal(mail!.subject, '[한결세무법인] 2024년 5월 배치 요약 (월간 처리 완료): 성공 2, 실패 0, 건너뛴 폴더 1');
    assert.equal(mail!.bcc, undefined);
    assert.match(mail!.text ?? '', /^건너뛴 폴더 \(1건, 리포트 없음\):\n- "bad%2fname\\nBcc: x@example\.com": invalid company id/m);
    assert.match(mail!.text ?? '', /폴더 이름을 회사 ID로 고치고/);
    const logged = lines.find((l) => l.event === 'batch_summary');
    assert.deepEqual([logged?.level, logged?.failed, logged?.skipped_folders], ['warn', 0, ['bad%2fname\nBcc: x@example.com']]);
  });
});
