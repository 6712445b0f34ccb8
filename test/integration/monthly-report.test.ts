// End to end on a real Temporal dev server, real Chromium and the embedded graph store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ledgerGraphIri, stagingGraphIri } from '../../lib/rdf/iris';
import { reportKeys } from '../../lib/storage/object-store';
import { TEMPORAL_BIN } from '../../dev/paths';
import { outboxMails, pdfText, readFindings, recipientsOf } from '../support/artifacts';
import { startHarness, type Harness } from '../support/temporal-harness';
import {
  CompanyIdKey,
  PeriodKey,
  RiskLevelKey,
  type MonthlyCompanyReportResult,
  type MonthlyReportBatchResult,
  companyReportWorkflowId,
} from '../../lib/temporal-contract';

const run = promisify(execFile);
let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

const reportPath = (key: string) => path.join(h.config.REPORT_STORE_DIR, key);

describe('monthlyCompanyReport', () => {
  test('ETL → validation → analysis → PDF → e-mail for one company-month', async () => {
    const result = await h.client.workflow.execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'e2e-c00-2024-01',
      args: [{ companyId: 'c00-한빛', period: '2024-01' }],
    });
    assert.equal(result.riskLevel, 'NONE');
    assert.equal(result.narrativeModel, 'offline');
    assert.equal(result.emailsSent, 1);

    const text = await pdfText(reportPath(result.pdfKey));
    assert.match(text, /\(주\)한빛노무법인/);
    assert.match(text, /최종 판단은 담당 세무사가 합니다/);

    const findings = await readFindings(reportPath(result.findingsKey));
    assert.equal(findings.schemaVersion, 1);
    assert.equal(findings.dataQuality.conforms, true);
    // expected.json: the only finding of c00 2024-01 is the withholding-tax deadline moved past 설 to Tuesday 2024-02-13.
    assert.deepEqual(
      findings.findings.map((f) => [f.ruleId, f.category, f.severity, f.dueDate]),
      [['DEADLINE', 'FILING_DEADLINE', 'INFO', '2024-02-13']],
    );
    assert.ok(findings.metrics.revenueMonth > 0 && Number.isInteger(findings.metrics.revenueMonth));

    const mails = await outboxMails(h.config.OUTBOX_DIR);
    const mine = mails.filter((m) => recipientsOf(m).includes('ceo0@example.kr'));
    assert.equal(mine.length, 1);
    assert.match(mine[0]!.subject ?? '', /\(주\)한빛노무법인/);
    assert.equal(mine[0]!.attachments.length, 1);
    assert.equal(mine[0]!.attachments[0]!.contentType, 'application/pdf');
    assert.equal(mine[0]!.attachments[0]!.content.subarray(0, 4).toString(), '%PDF');

    const graph = h.worker.deps.graph;
    assert.ok((await graph.countTriples(ledgerGraphIri('c00-한빛', '2024-01'))) > 100);
    assert.equal(await graph.countTriples(stagingGraphIri('c00-한빛', '2024-01')), 0);

    const described = await h.client.workflow.getHandle('e2e-c00-2024-01').describe();
    assert.equal(described.typedSearchAttributes.get(CompanyIdKey), 'c00-한빛');
    assert.equal(described.typedSearchAttributes.get(PeriodKey), '2024-01');
    assert.equal(described.typedSearchAttributes.get(RiskLevelKey), 'NONE');
  });

  test('an unbalanced voucher fails the run non-retryably, reports to the admin and leaves the graph as it was', async () => {
    const source = path.join(h.config.ERP_DATA_DIR, 'companies', 'c02-누리', 'ledger', '2024-02.csv');
    const graph = h.worker.deps.graph;
    await h.client.workflow.execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'e2e-c02-2024-02-good',
      args: [{ companyId: 'c02-누리', period: '2024-02' }],
    });
    const goodTriples = await graph.countTriples(ledgerGraphIri('c02-누리', '2024-02'));
    const mailsBefore = (await outboxMails(h.config.OUTBOX_DIR)).length;

    // Bump the first debit amount of the file so its voucher no longer balances.
    const original = await readFile(source);
    const { text, line } = unbalanceFirstVoucher(original.toString('utf8'));
    await writeFile(source, text);
    try {
      await assert.rejects(
        h.client.workflow.execute('monthlyCompanyReport', {
          taskQueue: h.config.TASK_QUEUE,
          workflowId: 'e2e-c02-2024-02-bad',
          args: [{ companyId: 'c02-누리', period: '2024-02' }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof WorkflowFailedError);
          assert.ok(err.cause instanceof ApplicationFailure);
          assert.equal(err.cause.type, 'DataValidationError');
          assert.equal(err.cause.nonRetryable, true);
          return true;
        },
      );
    } finally {
      await writeFile(source, original);
    }

    assert.equal(await graph.countTriples(ledgerGraphIri('c02-누리', '2024-02')), goodTriples);
    assert.equal(await graph.countTriples(stagingGraphIri('c02-누리', '2024-02')), 0);

    const dq = await readFindings(reportPath(reportKeys('c02-누리', '2024-02').dataQualityFindings));
    assert.equal(dq.dataQuality.conforms, false);
    const balance = dq.dataQuality.details.filter((d) => d.ruleId === 'DQ-BALANCE');
    assert.equal(balance.length, 1);
    assert.equal(balance[0]!.sourceLine, line);

    const mails = await outboxMails(h.config.OUTBOX_DIR);
    assert.equal(mails.length, mailsBefore + 1, 'only the admin report is new');
    const adminMail = mails.find((m) => recipientsOf(m).includes(h.config.ADMIN_EMAIL));
    assert.ok(adminMail, 'the admin received the data-quality report');
    assert.match(adminMail.text ?? '', /DQ-BALANCE/);
  });

  test('a run started by the real `temporal workflow start` CLI completes', async () => {
    const workflowId = 'cli-c03-2024-03';
    await run(TEMPORAL_BIN, [
      'workflow',
      'start',
      '--address',
      h.server.address,
      '--task-queue',
      h.config.TASK_QUEUE,
      '--type',
      'monthlyCompanyReport',
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify({ companyId: 'c03-다솜', period: '2024-03' }),
    ]);
    const result = await h.client.workflow.getHandle(workflowId).result();
    assert.equal(result.companyId, 'c03-다솜');
    assert.equal(result.period, '2024-03');
    const text = await pdfText(reportPath(result.pdfKey));
    assert.match(text, /다솜/);
    // Earlier months of the fiscal year were loaded once for the year-to-date figures, and the PDF says so.
    const findings = await readFindings(reportPath(result.findingsKey));
    assert.deepEqual(findings.metrics.ytdMonths, ['2024-01', '2024-02', '2024-03']);
    assert.deepEqual(findings.metrics.ytdMonthsMissing, []);
    assert.ok(findings.metrics.revenueYtd > findings.metrics.revenueMonth);
    assert.ok((await h.worker.deps.graph.countTriples(ledgerGraphIri('c03-다솜', '2024-01'))) > 0);
    assert.match(text, /누계 반영 기간: 2024-01 ~ 2024-03/);
  });

  test('a deadline past the holiday calendar goes out undated, with a data-quality warning and the metric', async () => {
    const ledgers = path.join(h.config.ERP_DATA_DIR, 'companies', 'c00-한빛', 'ledger');
    const january = await readFile(path.join(ledgers, '2024-01.csv'), 'utf8');
    await writeFile(path.join(ledgers, '2029-01.csv'), january.replaceAll('2024-01-', '2029-01-'));
    try {
      const result = await h.client.workflow.execute('monthlyCompanyReport', {
        taskQueue: h.config.TASK_QUEUE,
        workflowId: 'e2e-c00-2029-01',
        args: [{ companyId: 'c00-한빛', period: '2029-01' }],
      });
      const findings = await readFindings(reportPath(result.findingsKey));
      assert.deepEqual(
        findings.findings.map((f) => [f.ruleId, f.dueDate]),
        [['DEADLINE', undefined]],
      );
      // DQ-OPENING too: no ledger carries the 2024 balances through the years to 2029.
      assert.deepEqual(
        findings.dataQuality.details.map((d) => [d.ruleId, d.severity]),
        [
          ['DQ-OPENING', 'Warning'],
          ['DQ-CALENDAR', 'Warning'],
        ],
      );
      assert.match(await pdfText(reportPath(result.pdfKey)), /기한 미확정/);
      const uncovered = await h.metrics.registry.getSingleMetric('tax_deadline_calendar_uncovered_total')!.get();
      assert.equal(uncovered.values[0]?.value, 1);
    } finally {
      await rm(path.join(ledgers, '2029-01.csv'));
    }
  });
});

describe('monthlyReportBatch', () => {
  test('runs one child per company with bounded concurrency and counts the outcomes', async () => {
    const result = (await h.client.workflow.execute('monthlyReportBatch', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'e2e-batch-2024-04',
      args: [{ period: '2024-04', concurrency: 2 }],
    })) as MonthlyReportBatchResult;
    assert.equal(result.period, '2024-04');
    const { listed, started, succeeded, failed } = result.counts;
    assert.deepEqual({ listed, started, succeeded, failed }, { listed: 6, started: 6, succeeded: 6, failed: 0 });
    // Each company's run, under the id every starter uses, delivered its report.
    for (const companyId of ['c00-한빛', 'c01-가람', 'c02-누리', 'c03-다솜', 'c04-미르', 'c05-새봄']) {
      const run = (await h.client.workflow.getHandle(companyReportWorkflowId(companyId, '2024-04')).result()) as MonthlyCompanyReportResult;
      assert.equal(run.emailsSent, 1, companyId);
    }
  });
});

/** Raises the debit of the first debit line by 1 won; returns the text and that line's number. */
function unbalanceFirstVoucher(csv: string): { text: string; line: number } {
  const lines = csv.split('\n');
  const header = lines[0]!.replace(/^\uFEFF/, '').split(',');
  const debitCol = header.indexOf('차변');
  const index = lines.findIndex((l, i) => i > 0 && !l.includes('"') && /^\d/.test(l) && /^\d+$/.test(l.split(',')[debitCol] ?? ''));
  const cells = lines[index]!.split(',');
  cells[debitCol] = String(Number(cells[debitCol]) + 1);
  lines[index] = cells.join(',');
  return { text: lines.join('\n'), line: index + 1 };
}
