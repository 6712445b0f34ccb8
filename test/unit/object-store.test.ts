import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InvalidIdError } from '../../lib/domain/ids';
import { FsObjectStore } from '../../lib/storage/fs-object-store';
import { InvalidObjectKeyError, ObjectNotFoundError, reportKeys } from '../../lib/storage/object-store';
import { HOSTILE_OBJECT_KEYS } from '../support/hostile-keys';

/** Every file under dir, relative, hidden ones included. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('FsObjectStore', () => {
  let root: string;
  let store: FsObjectStore;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'object-store-test-'));
    store = new FsObjectStore(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('put then get round-trips buffers and strings under Hangul keys', async () => {
    const keys = reportKeys('c00-한빛', '2024-12');
    await store.put(keys.pdf, Buffer.from('%PDF-1.7 binary \x00\xff'), 'application/pdf');
    await store.put(keys.findings, '{"schemaVersion":1,"companyName":"(주)한빛"}', 'application/json');

    assert.deepEqual(await store.get(keys.pdf), Buffer.from('%PDF-1.7 binary \x00\xff'));
    assert.equal((await store.get(keys.findings)).toString('utf8'), '{"schemaVersion":1,"companyName":"(주)한빛"}');
    assert.equal(await store.exists(keys.pdf), true);
    assert.equal(await store.exists(keys.errorReport), false);
    assert.equal(store.localPath(keys.pdf), join(root, 'c00-한빛', '2024-12', 'report.pdf'));
  });

  test('get of a missing key is ObjectNotFoundError', async () => {
    await assert.rejects(store.get('nobody/2024-01/report.pdf'), ObjectNotFoundError);
  });

  test('overwrites are atomic: a reader sees one whole version, and no temp file is left', async () => {
    const a = Buffer.alloc(2 * 1024 * 1024, 'a');
    const b = Buffer.alloc(3 * 1024 * 1024, 'b');
    const key = 'atomic/2024-12/report.pdf';
    await store.put(key, a, 'application/pdf');
    const writes = Array.from({ length: 10 }, (_, i) => store.put(key, i % 2 ? a : b, 'application/pdf'));
    const reads = Array.from({ length: 10 }, () => store.get(key));
    await Promise.all(writes);
    for (const seen of await Promise.all(reads)) {
      assert.ok(seen.equals(a) || seen.equals(b), `torn read of ${seen.length} bytes`);
    }
    assert.deepEqual(await listFiles(join(root, 'atomic')), [join('2024-12', 'report.pdf')]);
  });

  test('keys that could escape the root or hide files are refused', async () => {
    for (const key of HOSTILE_OBJECT_KEYS) {
      assert.throws(() => store.localPath(key), InvalidObjectKeyError, JSON.stringify(key));
      await assert.rejects(store.put(key, 'x', 'text/plain'), InvalidObjectKeyError, JSON.stringify(key));
      await assert.rejects(store.get(key), InvalidObjectKeyError, JSON.stringify(key));
      await assert.rejects(store.exists(key), InvalidObjectKeyError, JSON.stringify(key));
    }
    assert.deepEqual(
      (await listFiles(root)).filter((f) => !f.startsWith('c00-한빛') && !f.startsWith('atomic')),
      [],
    );
  });

  test('reportKeys validates the company id and period', () => {
    const { version, ...keys } = reportKeys('a-nomu', '2024-12');
    assert.deepEqual(keys, {
      pdf: 'a-nomu/2024-12/report.pdf',
      findings: 'a-nomu/2024-12/findings.json',
      errorReport: 'a-nomu/2024-12/data-quality-report.pdf',
      dataQualityFindings: 'a-nomu/2024-12/data-quality-findings.json',
      delivered: 'a-nomu/2024-12/delivered.json',
    });
    assert.deepEqual(version(2), { pdf: 'a-nomu/2024-12/v2/report.pdf', findings: 'a-nomu/2024-12/v2/findings.json' });
    assert.throws(() => reportKeys('../etc', '2024-12'), InvalidIdError);
    assert.throws(() => reportKeys('a-nomu', '2024-13'), InvalidIdError);
  });
});
