// The file-backed audit log: a hash chain that verify() and `npm run audit:verify` check, that names the seq of
// every edit, deletion or truncation, that survives pruning, and that stays contiguous with several writers; pages
// listed from the end; verify and prune of 100,000 records in a child with a small heap; and the signed checkpoint
// that catches a cut tail whose head mark was rewritten to match.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile, appendFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { canonicalJson, GENESIS_HASH, hashRecord } from '../../lib/audit/audit-chain';
import type { AuditEvent, AuditLog, AuditRecord } from '../../lib/audit/audit-log';
import { createAuditLog } from '../../lib/audit/create-audit-log';
import { PROJECT_ROOT } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { HEAP_CAP_MB, probeInChild, writeLongLog } from '../support/audit-bulk';
import { registerTestSecret } from '../../dev/test-secrets';

const run = promisify(execFile);
const log = createLogger('silent');
const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

async function tempLog(t: TestContext, now?: () => Date): Promise<{ file: string; audit: AuditLog }> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'audit', 'audit.jsonl');
  return { file, audit: createAuditLog({ file, log, now }) };
}

const event = (i: number, overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  action: i % 2 ? 'report.viewed' : 'report.downloaded',
  actor: `user${i}`,
  role: 'viewer',
  target: `c0${i % 3}/2025-01`,
  outcome: 'success',
  sourceIp: '10.0.0.7',
  details: { i, nested: { b: 1, a: [1, { y: 2, x: 'ㄱ' }] } },
  ...overrides,
});

async function appendAll(audit: AuditLog, count: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (let i = 1; i <= count; i++) records.push(await audit.append(event(i)));
  return records;
}

/** Rewrites the log's lines through `edit` (one line per record). */
async function editLines(file: string, edit: (lines: string[]) => string[]): Promise<void> {
  const lines = (await readFile(file, 'utf8')).split('\n').slice(0, -1);
  await writeFile(
    file,
    edit(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
}

test('appended records chain from the genesis hash, list newest first, and verify', async (t) => {
  const { file, audit } = await tempLog(t);
  const appended = await appendAll(audit, 5);
  assert.deepEqual(
    appended.map((r) => r.seq),
    [1, 2, 3, 4, 5],
  );
  assert.equal(appended[0]!.prevHash, GENESIS_HASH);
  for (let i = 1; i < appended.length; i++) assert.equal(appended[i]!.prevHash, appended[i - 1]!.hash);
  assert.match(appended[0]!.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  assert.deepEqual(await audit.list(), [...appended].reverse());
  assert.deepEqual(
    (await audit.list({ limit: 2 })).map((r) => r.seq),
    [5, 4],
  );
  assert.deepEqual(
    (await audit.list({ action: 'report.downloaded' })).map((r) => r.seq),
    [4, 2],
  );
  assert.deepEqual(
    (await audit.list({ target: 'c01/2025-01' })).map((r) => r.seq),
    [4, 1],
  );
  // Pages: older than a cursor, with the same filter.
  assert.deepEqual(
    (await audit.list({ limit: 2, beforeSeq: 4 })).map((r) => r.seq),
    [3, 2],
  );
  assert.deepEqual(
    (await audit.list({ action: 'report.viewed', beforeSeq: 5 })).map((r) => r.seq),
    [3, 1],
  );
  assert.deepEqual(await audit.list({ beforeSeq: 1 }), []);

  assert.deepEqual(await audit.verify(), { ok: true, records: 5, firstSeq: 1, lastSeq: 5, problems: [] });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(`${file}.head`)).mode & 0o777, 0o600);
});

test('the hash covers the canonical JSON: key order does not matter, undefined members are not stored', async (t) => {
  const { audit } = await tempLog(t);
  const record = await audit.append({
    action: 'config.changed',
    actor: 'admin',
    outcome: 'success',
    target: undefined,
    details: { b: 2, a: 1, gone: undefined },
  });
  assert.equal('target' in record, false);
  assert.deepEqual(record.details, { b: 2, a: 1 });
  const reordered = Object.fromEntries(Object.entries(record).reverse()) as unknown as AuditRecord;
  assert.equal(hashRecord(reordered), record.hash);
  assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: 'x' }), '{"a":"x","b":[{"c":2,"d":1}]}');
  await assert.rejects(audit.append({ ...event(1), action: 'report.deleted' as AuditEvent['action'] }), /unknown audit action/);
});

test('an edited field fails verification naming that seq only', async (t) => {
  const { file, audit } = await tempLog(t);
  await appendAll(audit, 5);
  await editLines(file, (lines) => lines.map((l, i) => (i === 2 ? l.replace('"actor":"user3"', '"actor":"mallory"') : l)));
  const result = await audit.verify();
  assert.equal(result.ok, false);
  assert.deepEqual(result.problems, ['seq 3: hash does not match the content (record edited)']);
});

test('a record deleted from the middle, the first one, or the end is found', async (t) => {
  const { file, audit } = await tempLog(t);
  await appendAll(audit, 5);
  const original = await readFile(file, 'utf8');

  await editLines(file, (lines) => lines.filter((_, i) => i !== 2));
  assert.deepEqual((await audit.verify()).problems, ['seq 4: follows seq 2 (seq 3..3 missing)']);

  await writeFile(file, original);
  await editLines(file, (lines) => lines.slice(1));
  assert.deepEqual((await audit.verify()).problems, ['seq 2: the log starts at seq 2 but there is no prune anchor, so seq 1..1 were deleted']);

  await writeFile(file, original);
  await editLines(file, (lines) => lines.slice(0, -2));
  assert.deepEqual((await audit.verify()).problems, ['seq 4..5: missing at the end (the head mark names seq 5)']);

  await writeFile(file, original);
  await editLines(file, (lines) => [...lines.slice(0, 2), '{"seq":', ...lines.slice(2)]);
  assert.deepEqual((await audit.verify()).problems, ['after seq 2: unreadable entry (not JSON)']);
});

test('a log with every record edited lists the first 100 problems and counts the rest', async (t) => {
  const { file, audit } = await tempLog(t);
  await appendAll(audit, 150);
  await editLines(file, (lines) => lines.map((l) => l.replace('"outcome":"success"', '"outcome":"failure"')));
  const { problems } = await audit.verify();
  assert.equal(problems.length, 101);
  assert.equal(problems[99], 'seq 100: hash does not match the content (record edited)');
  assert.equal(problems[100], '50 more problems not listed');
});

test('pruning removes the old records, anchors the chain and records itself; the result verifies', async (t) => {
  let clock = T0;
  const { file, audit } = await tempLog(t, () => new Date(clock));
  for (let i = 1; i <= 5; i++, clock += DAY) await audit.append(event(i));
  const before = new Date(T0 + 2 * DAY); // seq 1 and 2 are older

  assert.deepEqual(await audit.prune(before, 'admin'), { removed: 2 });
  const result = await audit.verify();
  assert.deepEqual(result, { ok: true, records: 4, firstSeq: 3, lastSeq: 6, problems: [] });
  const [pruned] = await audit.list({ limit: 1 });
  assert.equal(pruned!.action, 'audit.pruned');
  assert.equal(pruned!.actor, 'admin');
  const removedSecond = JSON.parse((await readFile(file, 'utf8')).split('\n')[0]!) as AuditRecord;
  assert.equal(removedSecond.seq, 3);
  assert.deepEqual(pruned!.details, { throughSeq: 2, throughHash: removedSecond.prevHash, removed: 2, before: before.toISOString() });
  assert.deepEqual(JSON.parse(await readFile(`${file}.anchor.json`, 'utf8')), { seq: 2, hash: removedSecond.prevHash });
  assert.equal((await stat(`${file}.anchor.json`)).mode & 0o777, 0o600);

  // Nothing older than `before` is left: a second prune is a no-op and appends nothing.
  assert.deepEqual(await audit.prune(before, 'admin'), { removed: 0 });
  assert.equal((await audit.append(event(7))).seq, 7);
  // A later prune replaces the anchor; the earlier audit.pruned record may go with the rest.
  clock += DAY;
  assert.deepEqual(await audit.prune(new Date(clock), 'admin'), { removed: 5 });
  assert.deepEqual(await audit.verify(), { ok: true, records: 1, firstSeq: 8, lastSeq: 8, problems: [] });
});

test('after a prune, a deleted audit.pruned record, an edited or deleted anchor fails verification', async (t) => {
  let clock = T0;
  const { file, audit } = await tempLog(t, () => new Date(clock));
  for (let i = 1; i <= 4; i++, clock += DAY) await audit.append(event(i));
  await audit.prune(new Date(T0 + DAY), 'admin'); // removes seq 1, appends seq 5
  await audit.append(event(6));
  const original = await readFile(file, 'utf8');
  const anchor = await readFile(`${file}.anchor.json`, 'utf8');

  await editLines(file, (lines) => lines.filter((l) => !l.includes('"audit.pruned"')));
  assert.deepEqual((await audit.verify()).problems, [
    'seq 6: follows seq 4 (seq 5..5 missing)',
    'seq 1: no audit.pruned record accounts for the prune anchor (record deleted or anchor edited)',
  ]);

  await writeFile(file, original);
  await writeFile(`${file}.anchor.json`, JSON.stringify({ seq: 1, hash: 'f'.repeat(64) }));
  assert.deepEqual((await audit.verify()).problems, [
    'seq 2: prevHash does not match the hash of the prune anchor (seq 1) (chain broken)',
    'seq 1: no audit.pruned record accounts for the prune anchor (record deleted or anchor edited)',
  ]);

  await unlink(`${file}.anchor.json`);
  assert.deepEqual((await audit.verify()).problems, ['seq 2: the log starts at seq 2 but there is no prune anchor, so seq 1..1 were deleted']);

  await writeFile(`${file}.anchor.json`, anchor);
  assert.equal((await audit.verify()).ok, true);
});

test('prune refuses a log that does not verify, so it cannot launder tampering', async (t) => {
  const { file, audit } = await tempLog(t, () => new Date(T0));
  await appendAll(audit, 3);
  await editLines(file, (lines) => lines.map((l, i) => (i === 0 ? l.replace('user1', 'user9') : l)));
  const tampered = await readFile(file, 'utf8');
  await assert.rejects(audit.prune(new Date(T0 + DAY), 'admin'), /refusing to prune[^]*seq 1: hash does not match/);
  assert.equal(await readFile(file, 'utf8'), tampered);
});

test('a prune interrupted between its renames is completed; a pending anchor that never committed is dropped', async (t) => {
  let clock = T0;
  const { file, audit } = await tempLog(t, () => new Date(clock));
  for (let i = 1; i <= 3; i++, clock += DAY) await audit.append(event(i));
  await audit.prune(new Date(T0 + DAY), 'admin');
  // The log was renamed into place, the process died before the anchor followed it.
  await rename(`${file}.anchor.json`, `${file}.anchor.json.next`);
  assert.equal((await audit.verify()).ok, true);
  assert.deepEqual(JSON.parse(await readFile(`${file}.anchor.json`, 'utf8')).seq, 1);

  // The process died before renaming the log: the pending anchor does not match it and is discarded.
  await writeFile(`${file}.anchor.json.next`, JSON.stringify({ seq: 3, hash: 'a'.repeat(64) }));
  assert.equal((await audit.verify()).ok, true);
  await assert.rejects(stat(`${file}.anchor.json.next`), { code: 'ENOENT' });
});

test('an append cut short by a crash is ignored by readers and cut off by the next append', async (t) => {
  const { file, audit } = await tempLog(t);
  await appendAll(audit, 3);
  await appendFile(file, '{"seq":4,"ts":"2025-');
  assert.deepEqual(await audit.verify(), { ok: true, records: 3, firstSeq: 1, lastSeq: 3, problems: [] });
  assert.deepEqual(
    (await audit.list()).map((r) => r.seq),
    [3, 2, 1],
  );
  assert.equal((await audit.append(event(4))).seq, 4);
  assert.deepEqual(await audit.verify(), { ok: true, records: 4, firstSeq: 1, lastSeq: 4, problems: [] });
});

test('a stale lock is taken over; a live one is waited for', async (t) => {
  const { file, audit } = await tempLog(t);
  await audit.append(event(1));
  await writeFile(`${file}.lock`, '');
  const old = new Date(Date.now() - 60_000);
  await utimes(`${file}.lock`, old, old);
  assert.equal((await audit.append(event(2))).seq, 2);

  await writeFile(`${file}.lock`, '');
  const released = Date.now() + 300;
  setTimeout(() => void unlink(`${file}.lock`), 300);
  assert.equal((await audit.append(event(3))).seq, 3);
  assert.ok(Date.now() >= released - 5, 'the append waited for the lock');
});

test('two logs on one file appending at once stay contiguous', async (t) => {
  const { file, audit } = await tempLog(t);
  const other = createAuditLog({ file, log });
  await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? audit : other).append(event(i))));
  const result = await audit.verify();
  assert.deepEqual(result, { ok: true, records: 100, firstSeq: 1, lastSeq: 100, problems: [] });
});

test('two processes appending 50 records each leave 100 contiguous records', async (t) => {
  const { file, audit } = await tempLog(t);
  const script = `
    const { createAuditLog } = require(${JSON.stringify(join(PROJECT_ROOT, 'lib/audit/create-audit-log.ts'))});
    const { createLogger } = require(${JSON.stringify(join(PROJECT_ROOT, 'lib/logging.ts'))});
    (async () => {
      const audit = createAuditLog({ file: process.env.AUDIT_FILE, log: createLogger('silent') });
      for (let i = 0; i < 50; i++) await audit.append({ action: 'api_key.used', actor: 'worker-' + process.pid, outcome: 'success' });
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const child = () => run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: PROJECT_ROOT, env: { ...process.env, AUDIT_FILE: file } });
  await Promise.all([child(), child()]);
  assert.deepEqual(await audit.verify(), { ok: true, records: 100, firstSeq: 1, lastSeq: 100, problems: [] });
  assert.equal(new Set((await audit.list({ limit: 100 })).map((r) => r.actor)).size, 2);
});

async function auditCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/audit.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

test('cli/audit.ts verify exits 0 on an intact log and 1 naming the seq of a tampered one', async (t) => {
  const { file, audit } = await tempLog(t);
  await appendAll(audit, 3);
  assert.deepEqual(await auditCli(['verify', '--file', file]), { code: 0, stdout: 'audit log OK: 3 records, seq 1..3\n' });
  await editLines(file, (lines) => lines.map((l, i) => (i === 1 ? l.replace('"outcome":"success"', '"outcome":"failure"') : l)));
  const failed = await auditCli(['verify', '--file', file]);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /^audit log FAILED verification \(3 records\):\n {2}seq 2: hash does not match the content \(record edited\)\n$/);
});

test('cli/audit.ts prune removes what is older than AUDIT_RETENTION and the log still verifies', async (t) => {
  let clock = Date.now() - 10 * DAY;
  const { file, audit } = await tempLog(t, () => new Date(clock));
  for (let i = 1; i <= 4; i++, clock += 3 * DAY) await audit.append(event(i)); // 10, 7, 4 and 1 days old
  const pruned = await auditCli(['prune', '--file', file], { AUDIT_RETENTION: '5d' });
  assert.equal(pruned.code, 0);
  assert.match(pruned.stdout, /^audit log pruned: 2 records older than \S+ removed\n$/);
  assert.deepEqual(await auditCli(['verify', '--file', file]), { code: 0, stdout: 'audit log OK: 3 records, seq 3..5\n' });
});

test(`verify and prune of 100,000 records read the file in chunks: each runs in a child with a ${HEAP_CAP_MB} MiB heap`, async (t) => {
  const { file, audit } = await tempLog(t);
  await writeLongLog(audit, 100_000, T0);
  const verified = await probeInChild('verify', { file });
  assert.deepEqual(verified.result, { ok: true, records: 100_000, firstSeq: 1, lastSeq: 100_000, problems: [] });
  // Records are one second apart from T0: the first 50,000 are older than this.
  const pruned = await probeInChild('prune', { file }, new Date(T0 + 50_000_500));
  assert.deepEqual(pruned.result, { removed: 50_000 });
  const after = await probeInChild('verify', { file });
  assert.deepEqual(after.result, { ok: true, records: 50_001, firstSeq: 50_001, lastSeq: 100_001, problems: [] });
  t.diagnostic(`heap MiB, base → sampled peak: verify ${verified.baseMB} → ${verified.peakMB}, prune ${pruned.baseMB} → ${pruned.peakMB}`);
  // list reads backwards across many chunks to the cursor.
  const page = await audit.list({ limit: 3, beforeSeq: 60_000, target: 'c0001/2025-02' });
  assert.deepEqual(
    page.map((r) => r.seq),
    [58_501, 57_001, 55_501],
  );
  assert.deepEqual(
    (await audit.list({ limit: 2 })).map((r) => r.seq),
    [100_001, 100_000],
  );
});

test('with AUDIT_CHECKPOINT_KEY, a cut tail whose head mark was rewritten fails against the signed checkpoint', async (t) => {
  const { file, audit } = await tempLog(t);
  await appendAll(audit, 5);
  const env = { AUDIT_CHECKPOINT_KEY: registerTestSecret(randomBytes(24).toString('hex')) };
  assert.equal((await auditCli(['verify', '--file', file], env)).code, 1, 'no checkpoint yet');
  assert.deepEqual(await auditCli(['checkpoint', '--file', file], env), {
    code: 0,
    stdout: 'audit log OK: 5 records, seq 1..5\ncheckpoint signed: seq 5\n',
  });
  assert.equal((await stat(`${file}.checkpoint.json`)).mode & 0o777, 0o600);

  await editLines(file, (lines) => lines.slice(0, -2));
  const [, third] = (await readFile(file, 'utf8')).split('\n').slice(-3) as [string, string];
  await writeFile(`${file}.head`, JSON.stringify({ seq: 3, hash: (JSON.parse(third) as AuditRecord).hash }));
  assert.equal((await audit.verify()).ok, true, 'the head mark agrees with the cut log');
  const cut = await auditCli(['verify', '--file', file], env);
  assert.equal(cut.code, 1);
  assert.match(cut.stdout, /seq 4\.\.5: missing at the end \(the signed checkpoint names seq 5\)/);
  const pruned = await auditCli(['prune', '--file', file], env);
  assert.equal(pruned.code, 2, 'prune refuses too');

  const checkpoint = JSON.parse(await readFile(`${file}.checkpoint.json`, 'utf8')) as { seq: number };
  await writeFile(`${file}.checkpoint.json`, JSON.stringify({ ...checkpoint, seq: 3 }));
  assert.match((await auditCli(['verify', '--file', file], env)).stdout, /the signed checkpoint does not match its signature/);
  assert.match(
    (await auditCli(['checkpoint', '--file', file], env)).stdout,
    /does not match its signature/,
    'not even an operator re-baselines over a forged one',
  );
});
