// A monthly run with S3-compatible report storage: the worker writes findings.json and report.pdf into the bucket
// (server-side encryption requested on each), the e-mail attaches the PDF read back from it, and nothing lands on
// the local report directory.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { reportKeys } from '../../lib/storage/object-store';
import { S3ObjectStore } from '../../lib/storage/s3-object-store';
import { outboxMails, recipientsOf } from '../support/artifacts';
import { S3_CREDENTIALS, startS3Server, type S3TestServer } from '../../dev/servers/s3-server';
import { startHarness, type Harness } from '../support/temporal-harness';

let s3: S3TestServer;
let h: Harness;
before(async () => {
  s3 = await startS3Server();
  h = await startHarness({
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_PREFIX: 'reports/',
    S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  });
});
after(async () => {
  await h?.stop();
  await s3?.stop();
});

test('findings.json and report.pdf go to the bucket, encrypted at rest by request, and the mail carries that PDF', async () => {
  const result = await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 's3-c00-2024-01',
    args: [{ companyId: 'c00-한빛', period: '2024-01' }],
  });
  assert.equal(result.emailsSent, 1);

  const reader = new S3ObjectStore({
    bucket: s3.bucket,
    region: 'ap-northeast-2',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    prefix: 'reports/',
    serverSideEncryption: 'AES256',
    credentials: S3_CREDENTIALS,
    timeoutMs: 5_000,
  });
  try {
    const findings = JSON.parse((await reader.get(result.findingsKey)).toString('utf8'));
    assert.equal(findings.companyId, 'c00-한빛');
    assert.equal(findings.period, '2024-01');
    const pdf = await reader.get(result.pdfKey);
    assert.equal(pdf.subarray(0, 4).toString(), '%PDF');

    const [mail] = (await outboxMails(h.config.OUTBOX_DIR)).filter((m) => recipientsOf(m).includes('ceo0@example.kr'));
    assert.ok(mail, 'no mail to ceo0@example.kr');
    assert.ok(mail.attachments[0]!.content.equals(pdf), 'the attachment is not the stored PDF');
  } finally {
    reader.close();
  }

  const uploads = s3.requests.filter((r) => r.method === 'PUT');
  // findings.json twice: written by the analysis, then completed with the grounding (articles, earlier months);
  // then, once delivered, version 1 as it was sent and the record of the delivered version.
  const keys = reportKeys('c00-한빛', '2024-01');
  assert.deepEqual(
    uploads.map((r) => r.path).sort(),
    [keys.delivered, result.findingsKey, result.findingsKey, result.pdfKey, keys.version(1).findings, keys.version(1).pdf]
      .map((key) => `/${s3.bucket}/reports/${key}`)
      .sort(),
  );
  for (const r of uploads) assert.equal(r.headers['x-amz-server-side-encryption'], 'AES256', r.path);
  assert.equal(existsSync(h.config.REPORT_STORE_DIR), false, 'the local report directory was written');
});
