// Encryption at rest: the envelope format, the keyring (local keys and a KMS module), the sealed ERP reading
// path and the encrypting object store, on real files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../../lib/config';
import type { LedgerLine } from '../../lib/domain/ledger';
import { ledgerPath, listCompanyIds, ledgerPeriods } from '../../lib/erp/company';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { countByKey, ledgerFiles, rewrapInPlace, sealInPlace } from '../../lib/security/at-rest-files';
import { DecryptionError, isSealed, open, rewrap, seal, sealedKeyId } from '../../lib/security/envelope';
import { loadKeyWrapper, type KeyWrapper } from '../../lib/security/keyring';
import { EncryptedObjectStore } from '../../lib/storage/encrypted-object-store';
import { FsObjectStore } from '../../lib/storage/fs-object-store';
import { reportKeys } from '../../lib/storage/object-store';
import { registerTestSecret } from '../../dev/test-secrets';
const FIXTURE_LEDGERS = join(__dirname, '..', 'fixtures', 'ledgers');

const K1 = `k1:${registerTestSecret(randomBytes(32).toString('base64'))}`;
const K2 = `k2:${registerTestSecret(randomBytes(32).toString('base64'))}`;

function keyring(env: Record<string, string>): Promise<KeyWrapper | undefined> {
  return loadKeyWrapper(loadConfig(env));
}
async function localKeys(keys: string, active: string): Promise<KeyWrapper> {
  return (await keyring({ ENCRYPTION_KEYS: keys, ENCRYPTION_KEY_ID: active }))!;
}

let tmp: string;
let v1: KeyWrapper;
let v2: KeyWrapper;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'envelope-test-'));
  v1 = await localKeys(K1, 'k1');
  v2 = await localKeys(`${K1},${K2}`, 'k2');
});
after(() => rm(tmp, { recursive: true, force: true }));

const rejectsDecryption = (promise: Promise<unknown>, message?: RegExp) =>
  assert.rejects(promise, (err) => err instanceof DecryptionError && (!message || message.test(err.message)));

describe('envelope', () => {
  const ledger = readFile(ledgerPath(FIXTURE_LEDGERS, 'c01-가람', '2024-03'));
  const AAD = 'c01-가람/2024-03/findings.json';

  test('round trip, with a fresh data key and IV per object', async () => {
    const plaintext = await ledger;
    const [a, b] = [await seal(plaintext, v1, AAD), await seal(plaintext, v1, AAD)];
    assert.ok(isSealed(a) && !isSealed(plaintext));
    assert.equal(sealedKeyId(a), 'k1');
    assert.notDeepEqual(a, b);
    assert.deepEqual(await open(a, v1, AAD), plaintext);
    assert.deepEqual(await open(await seal('', v1), v1), Buffer.alloc(0));
  });

  test('the sealed bytes hold no 16-byte window of the plaintext', async () => {
    const plaintext = await ledger;
    const sealed = await seal(plaintext, v1, AAD);
    assert.equal(sealed.includes(plaintext), false);
    for (let i = 0; i + 16 <= plaintext.length; i++) {
      assert.equal(sealed.includes(plaintext.subarray(i, i + 16)), false, `window at ${i}`);
    }
  });

  test('a change to any single byte fails with DecryptionError', async () => {
    const sealed = await seal('합계 1,000,000원: 접대비 한도 초과', v1, AAD);
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i]! ^= 0x01;
      await rejectsDecryption(open(tampered, v1, AAD), undefined);
    }
    await rejectsDecryption(open(sealed.subarray(0, sealed.length - 1), v1, AAD));
  });

  test('another AAD (the object moved to another key) does not open', async () => {
    const sealed = await seal('findings', v1, AAD);
    await rejectsDecryption(open(sealed, v1, 'c02-누리/2024-03/findings.json'), /^c02-누리\/2024-03\/findings.json: .*authentication/);
    await rejectsDecryption(open(sealed, v1), /authentication/);
  });

  test('rotation: objects of the old key stay readable, new ones use the active key', async () => {
    const old = await seal('old report', v1, AAD);
    assert.equal((await open(old, v2, AAD)).toString(), 'old report');
    assert.equal(sealedKeyId(await seal('new report', v2, AAD)), 'k2');
    assert.deepEqual(v2.keyIds, ['k1', 'k2'], 'the ids it reads (the console shows them to admins)');
    await rejectsDecryption(open(await seal('new report', v2, AAD), v1, AAD), /unknown encryption key id "k2"/);
  });

  test('rewrap moves the data key to the active key and leaves the data as it was', async () => {
    const plaintext = Buffer.from('월계 누계 합계');
    const old = await seal(plaintext, v1, AAD);
    const moved = await rewrap(old, v2);
    assert.equal(sealedKeyId(moved), 'k2');
    assert.deepEqual(moved.subarray(-plaintext.length), old.subarray(-plaintext.length), 'same ciphertext');
    assert.deepEqual(await open(moved, await localKeys(K2, 'k2'), AAD), plaintext);
  });

  test('a key with the right id but other material fails as DecryptionError', async () => {
    const impostor = await localKeys(`k1:${randomBytes(32).toString('base64')}`, 'k1');
    await rejectsDecryption(open(await seal('x', v1), impostor), /does not unwrap with key "k1"/);
    await rejectsDecryption(open(Buffer.from('%PDF-1.7'), v1), /not sealed/);
  });
});

describe('keyring configuration', () => {
  test('encryption is off without keys or a KMS module', async () => {
    assert.equal(await keyring({}), undefined);
  });

  const key = (bytes: number) => randomBytes(bytes).toString('base64');
  const bad: [string, string | undefined, string, RegExp][] = [
    ['not base64', 'k1:not*base64', 'k1', /key "k1" must be base64 of exactly 32 bytes \(not base64\)/],
    ['16 bytes', `k1:${key(16)}`, 'k1', /key "k1" .*\(16 bytes\)/],
    ['bad id', `k/1:${key(32)}`, 'k/1', /key id "k\/1" is not 1-64 characters/],
    ['no colon', `${K1},${key(32)}`, 'k1', /entry 2 is not kid:base64key/],
    ['twice', `${K1},${K1}`, 'k1', /"k1" is listed twice/],
    ['unknown active id', `${K1},${K2}`, 'k3', /ENCRYPTION_KEY_ID "k3" is not among ENCRYPTION_KEYS \(ids: k1, k2\)/],
    ['id without keys', undefined, 'k1', /neither ENCRYPTION_KEYS nor ENCRYPTION_KMS_MODULE/],
  ];
  for (const [name, keys, active, message] of bad) {
    test(`a clear ConfigError: ${name}`, async () => {
      const env = { ENCRYPTION_KEY_ID: active, ...(keys && { ENCRYPTION_KEYS: keys }) };
      await assert.rejects(keyring(env), (err) => err instanceof ConfigError && message.test(err.message));
    });
  }

  test('the error never shows key material', async () => {
    const secret = key(16);
    const rejected = (err: Error) => !err.message.includes(secret);
    await assert.rejects(keyring({ ENCRYPTION_KEYS: `k1:${secret}`, ENCRYPTION_KEY_ID: 'k1' }), rejected);
    await assert.rejects(keyring({ ENCRYPTION_KEYS: secret, ENCRYPTION_KEY_ID: 'k1' }), rejected);
  });
});

describe('KMS module hook', () => {
  // A stand-in KMS: wraps with its own key and records every call, as a real KMS client module would call out.
  const KMS_MODULE = `
    import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
    const master = randomBytes(32);
    export const calls = [];
    export function createKeyWrapper(config) {
      calls.push(['create', config.ENCRYPTION_KEY_ID]);
      return {
        activeKeyId: config.ENCRYPTION_KEY_ID,
        async wrap(dek) {
          calls.push(['wrap']);
          const iv = randomBytes(12);
          const c = createCipheriv('aes-256-gcm', master, iv);
          const body = Buffer.concat([c.update(dek), c.final()]);
          return { keyId: config.ENCRYPTION_KEY_ID, wrapped: Buffer.concat([iv, c.getAuthTag(), body]) };
        },
        async unwrap(keyId, wrapped) {
          calls.push(['unwrap', keyId]);
          const d = createDecipheriv('aes-256-gcm', master, wrapped.subarray(0, 12)).setAuthTag(wrapped.subarray(12, 28));
          return Buffer.concat([d.update(wrapped.subarray(28)), d.final()]);
        },
      };
    }`;

  test('ENCRYPTION_KMS_MODULE, relative to the project root, is imported and wraps and unwraps the data keys', async () => {
    const file = join(tmp, 'fake-kms.mjs');
    await writeFile(file, KMS_MODULE);
    const kms = (await keyring({ ENCRYPTION_KMS_MODULE: relative(PROJECT_ROOT, file), ENCRYPTION_KEY_ID: 'arn-key-7' }))!;
    assert.equal(kms.activeKeyId, 'arn-key-7');
    const sealed = await seal('via kms', kms, 'a/b');
    assert.equal(sealedKeyId(sealed), 'arn-key-7');
    assert.equal((await open(sealed, kms, 'a/b')).toString(), 'via kms');
    const { calls } = (await import(pathToFileURL(file).href)) as { calls: unknown[][] };
    assert.deepEqual(calls, [['create', 'arn-key-7'], ['wrap'], ['unwrap', 'arn-key-7']]);
  });

  test('a module without createKeyWrapper, or a missing one, is a ConfigError', async () => {
    const file = join(tmp, 'not-kms.mjs');
    await writeFile(file, 'export const x = 1;');
    const configError = (message: RegExp) => (err: unknown) => err instanceof ConfigError && message.test(err.message);
    await assert.rejects(keyring({ ENCRYPTION_KMS_MODULE: file }), configError(/does not export createKeyWrapper/));
    await assert.rejects(keyring({ ENCRYPTION_KMS_MODULE: join(tmp, 'absent.mjs') }), configError(/cannot be loaded/));
  });
});

describe('sealed ERP ledgers', () => {
  let dataDir: string;
  const plain = new Map<string, LedgerLine[]>();
  const parseAll = async (file: string, period: string, keys?: KeyWrapper, aad?: string) => {
    const lines: LedgerLine[] = [];
    for await (const line of parseLedger(file, { period, unsealing: { keys, aad } })) lines.push(line);
    return lines;
  };

  before(async () => {
    dataDir = join(tmp, 'erp');
    await cp(FIXTURE_LEDGERS, dataDir, { recursive: true });
    for (const { path, aad } of await ledgerFiles(dataDir)) plain.set(aad, await parseAll(path, aad.slice(-11, -4)));
    assert.deepEqual(await sealInPlace(await ledgerFiles(dataDir), v1), { sealed: plain.size, skipped: 0 });
  });

  test('every fixture ledger (UTF-8, BOM and CP949) reads back the same lines once sealed', async () => {
    for (const companyId of await listCompanyIds(dataDir)) {
      for (const period of await ledgerPeriods(dataDir, companyId)) {
        const file = ledgerPath(dataDir, companyId, period);
        assert.ok(isSealed(await readFile(file)), file);
        const aad = `companies/${companyId}/ledger/${period}.csv`;
        assert.deepEqual(await parseAll(file, period, v2, aad), plain.get(aad), file);
      }
    }
  });

  test('without keys a sealed ledger fails with a DecryptionError naming the file', async () => {
    const file = ledgerPath(dataDir, 'c01-가람', '2024-03');
    await rejectsDecryption(parseAll(file, '2024-03'), /2024-03\.csv is sealed, but this process has no encryption keys/);
  });

  test('a sealed ledger moved to another month does not open', async () => {
    const from = ledgerPath(dataDir, 'c02-누리', '2024-05');
    const to = ledgerPath(dataDir, 'c02-누리', '2024-06');
    await rename(from, to);
    await rejectsDecryption(parseAll(to, '2024-06', v1, 'companies/c02-누리/ledger/2024-06.csv'), /authentication/);
  });

  test('rotation rewraps every sealed ledger to the active key, keeping file permissions', async () => {
    const files = await ledgerFiles(dataDir);
    await chmod(files[0]!.path, 0o600);
    assert.deepEqual(await countByKey(files), { plaintext: 0, sealed: { k1: files.length } });
    assert.deepEqual(await rewrapInPlace(files, v2), { rewrapped: files.length, skipped: 0 });
    assert.deepEqual(await countByKey(files), { plaintext: 0, sealed: { k2: files.length } });
    assert.equal((await stat(files[0]!.path)).mode & 0o777, 0o600);
    const aad = 'companies/c01-가람/ledger/2024-03.csv';
    const lines = await parseAll(ledgerPath(dataDir, 'c01-가람', '2024-03'), '2024-03', await localKeys(K2, 'k2'), aad);
    assert.deepEqual(lines, plain.get(aad));
  });
});

describe('EncryptedObjectStore', () => {
  const keys = reportKeys('c00-한빛', '2024-12');

  test('seals on put, opens on get, and has no localPath', async () => {
    const root = join(tmp, 'store');
    const store = new EncryptedObjectStore(new FsObjectStore(root), v1);
    assert.equal('localPath' in store, false);
    await store.put(keys.findings, '{"companyName":"(주)한빛노무법인","findings":[]}', 'application/json');
    const raw = await readFile(join(root, ...keys.findings.split('/')));
    assert.ok(isSealed(raw));
    assert.equal(raw.includes('한빛'), false);
    assert.equal((await store.get(keys.findings)).toString(), '{"companyName":"(주)한빛노무법인","findings":[]}');
    assert.equal(await store.exists(keys.findings), true);

    await writeFile(join(root, ...keys.pdf.split('/')), raw); // the findings, copied under the PDF's key
    await rejectsDecryption(store.get(keys.pdf), /report\.pdf: .*authentication/);
    await writeFile(join(root, ...keys.errorReport.split('/')), '%PDF-1.7 plaintext');
    await rejectsDecryption(store.get(keys.errorReport), /not sealed/);
  });
});
