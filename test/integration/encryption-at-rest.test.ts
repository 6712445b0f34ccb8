// Encryption at rest end to end: sealed ERP ledgers in, sealed reports out, a real PDF in the e-mail, then
// key rotation with `npm run encryption` and everything read back without the old key.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig, PROJECT_ROOT } from '../../lib/config';
import { ledgerPath } from '../../lib/erp/company';
import { ledgerFiles, reportFiles, sealInPlace, type AtRestFile } from '../../lib/security/at-rest-files';
import { SEAL_MAGIC, open } from '../../lib/security/envelope';
import { loadKeyWrapper, type KeyWrapper } from '../../lib/security/keyring';
import { EncryptedObjectStore } from '../../lib/storage/encrypted-object-store';
import { FsObjectStore } from '../../lib/storage/fs-object-store';
import { reportKeys } from '../../lib/storage/object-store';
import { outboxMails, recipientsOf } from '../support/artifacts';
import { FIXTURE_LEDGERS, startHarness, type Harness } from '../support/temporal-harness';
import { registerTestSecret } from '../../dev/test-secrets';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const ENCRYPTION = path.join(PROJECT_ROOT, 'cli', 'encryption.ts');

const K1 = `k1:${registerTestSecret(randomBytes(32).toString('base64'))}`;
const K2 = `k2:${registerTestSecret(randomBytes(32).toString('base64'))}`;
const COMPANY = 'c00-한빛';
const COMPANY_NAME = '(주)한빛노무법인';

let h: Harness;
let ledgers: AtRestFile[];
/** The ledgers as the ERP exported them, by path. */
const plaintextLedgers = new Map<string, Buffer>();

before(async () => {
  // Both keys known, k1 active: the worker keeps reading after the files are rotated to k2.
  h = await startHarness({ ENCRYPTION_KEYS: `${K1},${K2}`, ENCRYPTION_KEY_ID: 'k1' });
  ledgers = await ledgerFiles(h.config.ERP_DATA_DIR);
  for (const { path: file } of ledgers) plaintextLedgers.set(file, await readFile(file));
  const keys = (await loadKeyWrapper(h.config))!;
  assert.deepEqual(await sealInPlace(ledgers, keys), { sealed: ledgers.length, skipped: 0 });
});
after(async () => {
  await h?.stop();
});

function runReport(period: string) {
  return h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: `encrypted-${COMPANY}-${period}`,
    args: [{ companyId: COMPANY, period }],
  });
}

/** Every sealed file: the reports and the ledgers. */
async function sealedFiles(): Promise<AtRestFile[]> {
  return [...(await reportFiles(h.config.REPORT_STORE_DIR)), ...ledgers];
}

function encryption(command: string, env: Record<string, string>) {
  return run(TSX, [ENCRYPTION, command], {
    env: { ...process.env, ERP_DATA_DIR: h.config.ERP_DATA_DIR, REPORT_STORE_DIR: h.config.REPORT_STORE_DIR, ...env },
  });
}

test('a monthly report runs on sealed ledgers, and no plaintext reaches the disk', async () => {
  const result = await runReport('2024-01');
  assert.equal(result.emailsSent, 1);

  const ledgerLine = plaintextLedgers
    .get(ledgerPath(h.config.ERP_DATA_DIR, COMPANY, '2024-01'))!
    .toString('utf8')
    .split('\n')[1]!;
  assert.match(ledgerLine, /^2024-01-\d\d,/);
  const reports = await reportFiles(h.config.REPORT_STORE_DIR);
  // The report and its findings, the record of the delivered version and that version as it was sent: all sealed.
  const keys = reportKeys(COMPANY, '2024-01');
  assert.deepEqual(
    reports.map((r) => r.aad).sort(),
    [result.findingsKey, result.pdfKey, keys.delivered, keys.version(1).pdf, keys.version(1).findings].sort(),
  );
  for (const { path: file } of await sealedFiles()) {
    const raw = await readFile(file);
    assert.ok(raw.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC), file);
    for (const plaintext of ['%PDF', COMPANY_NAME, '"findings"', ledgerLine]) {
      assert.equal(raw.includes(plaintext), false, `${file} holds ${plaintext}`);
    }
  }

  // The mail carries the real PDF: the store's decrypted object, not the file's bytes.
  const pdf = await h.worker.deps.objects.get(result.pdfKey);
  assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
  const [mail, ...others] = (await outboxMails(h.config.OUTBOX_DIR)).filter((m) => recipientsOf(m).includes('ceo0@example.kr'));
  assert.equal(others.length, 0);
  assert.deepEqual(mail!.attachments[0]!.content, pdf);
  const findings = JSON.parse((await h.worker.deps.objects.get(result.findingsKey)).toString('utf8')) as { companyName: string };
  assert.equal(findings.companyName, COMPANY_NAME);
});

test('rotation with npm run encryption: everything reads back with the new key alone, and the worker goes on', async () => {
  const objects = h.worker.deps.objects;
  const reports = await reportFiles(h.config.REPORT_STORE_DIR);
  const before = new Map(await Promise.all(reports.map(async (r) => [r.aad, await objects.get(r.aad)] as const)));

  const rotated = await encryption('rotate', { ENCRYPTION_KEYS: `${K1},${K2}`, ENCRYPTION_KEY_ID: 'k2' });
  assert.deepEqual(
    rotated.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).join(' ')),
    [
      `erp before plaintext=0 k1=${ledgers.length}`,
      `erp after plaintext=0 k2=${ledgers.length} (rewrapped=${ledgers.length})`,
      `reports before plaintext=0 k1=${reports.length}`,
      `reports after plaintext=0 k2=${reports.length} (rewrapped=${reports.length})`,
    ],
  );
  const status = await encryption('status', {});
  assert.deepEqual(
    status.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).join(' ')),
    [`erp plaintext=0 k2=${ledgers.length}`, `reports plaintext=0 k2=${reports.length}`],
  );

  const onlyK2 = (await loadKeyWrapper(loadConfig({ ENCRYPTION_KEYS: K2, ENCRYPTION_KEY_ID: 'k2' }))) as KeyWrapper;
  const store = new EncryptedObjectStore(new FsObjectStore(h.config.REPORT_STORE_DIR), onlyK2);
  for (const [key, plaintext] of before) assert.deepEqual(await store.get(key), plaintext, key);
  for (const { path: file, aad } of ledgers) {
    assert.deepEqual(await open(await readFile(file), onlyK2, aad), plaintextLedgers.get(file), file);
  }

  // The worker knows both keys: it reads the rotated ledgers (k2) and still seals new objects with its active k1.
  const next = await runReport('2024-02');
  assert.equal(next.emailsSent, 1);
  assert.equal((await objects.get(next.pdfKey)).subarray(0, 4).toString(), '%PDF');
});

test('a tampered sealed ledger fails the run at once, non-retryably', async () => {
  const file = ledgerPath(h.config.ERP_DATA_DIR, COMPANY, '2024-03');
  const sealed = await readFile(file);
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1]! ^= 0x01;
  await writeFile(file, tampered);
  await assert.rejects(runReport('2024-03'), (err: unknown) => {
    assert.ok(err instanceof WorkflowFailedError);
    const failure = err.cause?.cause;
    assert.ok(failure instanceof ApplicationFailure, String(failure));
    assert.equal(failure.type, 'DecryptionError');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /companies\/c00-한빛\/ledger\/2024-03\.csv: .*authentication/);
    return true;
  });
});

test('a plaintext upload with encryption on is sealed in place before anything reads it, and the run reads it sealed', async () => {
  // The ERP export of a month arrives (again) as plaintext, as uploads do.
  const file = ledgerPath(h.config.ERP_DATA_DIR, 'c01-가람', '2024-02');
  const upload = await readFile(path.join(FIXTURE_LEDGERS, path.relative(h.config.ERP_DATA_DIR, file)));
  await writeFile(file, upload);
  const result = await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'encrypted-upload-c01-가람-2024-02',
    args: [{ companyId: 'c01-가람', period: '2024-02' }],
  });
  assert.equal(result.emailsSent, 1);
  const onDisk = await readFile(file);
  assert.ok(onDisk.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC), 'sealed on disk after the run');
  assert.equal(onDisk.includes(upload.subarray(0, 64)), false, 'no plaintext left');
  assert.deepEqual(await open(onDisk, (await loadKeyWrapper(h.config))!, 'companies/c01-가람/ledger/2024-02.csv'), upload);
});

test('a folder that is no company is named by the encryption CLI (its ledgers stay unsealed), with exit code 2', async () => {
  const stray = path.join(h.config.ERP_DATA_DIR, 'companies', 'bad%2fname');
  await mkdir(path.join(stray, 'ledger'), { recursive: true });
  await writeFile(path.join(stray, 'ledger', '2024-01.csv'), 'plaintext');
  try {
    await assert.rejects(encryption('status', {}), (err: { code?: number; stderr?: string; stdout?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? '', /^companies\/"bad%2fname" skipped: .*\(its ledgers were not looked at\)$/m);
      assert.match(err.stdout ?? '', /^erp\s+plaintext=0/m, 'the companies are still counted');
      return true;
    });
  } finally {
    await rm(stray, { recursive: true, force: true });
  }
});
