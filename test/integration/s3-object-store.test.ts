// S3ObjectStore against a real S3-compatible server (s3rver) on loopback, seen through a recording proxy: objects
// round-trip under Hangul keys and a prefix, every upload asks for server-side encryption, with keys the application
// seals them too (and `encryption seal` seals what was there before), bad keys never leave.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../lib/config';
import { countByKey, reportObjects, sealInPlace } from '../../lib/security/at-rest-files';
import { isSealed } from '../../lib/security/envelope';
import { localKeyWrapper } from '../../lib/security/keyring';
import { createObjectStore } from '../../lib/storage/create-object-store';
import { FsObjectStore } from '../../lib/storage/fs-object-store';
import { InvalidObjectKeyError, ObjectNotFoundError, reportKeys } from '../../lib/storage/object-store';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../lib/storage/s3-object-store';
import { HOSTILE_OBJECT_KEYS } from '../support/hostile-keys';
import { S3_CREDENTIALS, startS3Server, type S3TestServer } from '../../dev/servers/s3-server';

let server: S3TestServer;
const stores: S3ObjectStore[] = [];
before(async () => {
  server = await startS3Server();
});
after(async () => {
  stores.forEach((s) => s.close());
  await server?.stop();
});

function s3Store(overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  const store = new S3ObjectStore({
    bucket: server.bucket,
    region: 'ap-northeast-2',
    endpoint: server.endpoint,
    forcePathStyle: true,
    prefix: 'tax/',
    serverSideEncryption: 'AES256',
    credentials: S3_CREDENTIALS,
    timeoutMs: 5_000,
    ...overrides,
  });
  stores.push(store);
  return store;
}

const puts = () => server.requests.filter((r) => r.method === 'PUT');

describe('S3ObjectStore', () => {
  test('put, get and exists round-trip binary and text under Hangul keys, below the prefix', async () => {
    const store = s3Store();
    const keys = reportKeys('c00-한빛', '2024-12');
    const pdf = Buffer.from('%PDF-1.7 binary \x00\xff 한글');
    await store.put(keys.pdf, pdf, 'application/pdf');
    await store.put(keys.findings, '{"companyName":"(주)한빛"}', 'application/json');

    assert.deepEqual(await store.get(keys.pdf), pdf);
    assert.equal((await store.get(keys.findings)).toString('utf8'), '{"companyName":"(주)한빛"}');
    assert.equal(await store.exists(keys.pdf), true);
    assert.equal(await store.exists(keys.errorReport), false);
    const paths = puts().map((r) => r.path);
    assert.ok(paths.includes(`/${server.bucket}/tax/c00-한빛/2024-12/report.pdf`), paths.join(', '));
    const pdfPut = puts().find((r) => r.path.endsWith('report.pdf'))!;
    assert.equal(pdfPut.headers['content-type'], 'application/pdf');
  });

  test('a missing key is ObjectNotFoundError on get and false on exists', async () => {
    const store = s3Store();
    await assert.rejects(store.get('nobody/2024-01/report.pdf'), ObjectNotFoundError);
    assert.equal(await store.exists('nobody/2024-01/report.pdf'), false);
  });

  test('every upload requests server-side encryption: AES256, or aws:kms with the configured key', async () => {
    await s3Store().put('sse/2024-01/report.pdf', 'x', 'application/pdf');
    await s3Store({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/tax-reports' }).put('sse/2024-02/report.pdf', 'y', 'application/pdf');
    const [aes, kms] = ['sse/2024-01', 'sse/2024-02'].map((p) => puts().find((r) => r.path.includes(p))!);
    assert.equal(aes!.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal(kms!.headers['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(kms!.headers['x-amz-server-side-encryption-aws-kms-key-id'], 'alias/tax-reports');
    for (const r of puts()) assert.ok(r.headers['x-amz-server-side-encryption'], `${r.path} without SSE`);
  });

  test('keys that could escape the prefix are refused before any request', async () => {
    const store = s3Store();
    const before = server.requests.length;
    for (const key of HOSTILE_OBJECT_KEYS) {
      await assert.rejects(store.put(key, 'x', 'text/plain'), InvalidObjectKeyError, JSON.stringify(key));
      await assert.rejects(store.get(key), InvalidObjectKeyError, JSON.stringify(key));
      await assert.rejects(store.exists(key), InvalidObjectKeyError, JSON.stringify(key));
    }
    assert.equal(server.requests.length, before);
  });

  test('a missing bucket or an unreachable endpoint fails as such, never as a missing object', async () => {
    const noBucket = s3Store({ bucket: 'no-such-bucket' });
    await assert.rejects(noBucket.get('c00-한빛/2024-12/report.pdf'), (e: Error) => e.name === 'NoSuchBucket');
    await assert.rejects(noBucket.put('c00-한빛/2024-12/report.pdf', 'x', 'application/pdf'), (e: Error) => e.name === 'NoSuchBucket');
    const unreachable = s3Store({ endpoint: 'http://127.0.0.1:9' });
    await assert.rejects(
      unreachable.get('c00-한빛/2024-12/report.pdf'),
      (e: Error) => !(e instanceof ObjectNotFoundError) && /ECONNREFUSED/.test(`${e.message} ${(e as { code?: string }).code}`),
    );
  });
});

describe('createObjectStore', () => {
  test('a bucket in the configuration selects S3, with the prefix and credentials given', async () => {
    const config = loadConfig({
      S3_BUCKET: server.bucket,
      S3_ENDPOINT: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'configured/',
      S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    });
    const store = createObjectStore(config);
    assert.ok(store instanceof S3ObjectStore);
    stores.push(store);
    await store.put('c01-가람/2024-03/findings.json', '{}', 'application/json');
    assert.ok(puts().some((r) => r.path === `/${server.bucket}/configured/c01-가람/2024-03/findings.json`));
  });

  test('with encryption keys, the bucket is sealed by the application too; `encryption seal` seals what was there before', async () => {
    const keys = localKeyWrapper(new Map([['k1', randomBytes(32)]]), 'k1');
    const raw = s3Store({ prefix: 'sealed/' });
    const before = reportKeys('c02-누리', '2024-11');
    await raw.put(before.findings, '{"findings":[]}', 'application/json');
    const config = loadConfig({
      S3_BUCKET: server.bucket,
      S3_ENDPOINT: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'sealed/',
      S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    });
    const sealed = createObjectStore(config, keys);
    const after = reportKeys('c02-누리', '2024-12');
    await sealed.put(after.pdf, '%PDF-1.7 new', 'application/pdf');
    assert.ok(isSealed(await raw.get(after.pdf)), 'a new object is sealed in the bucket');
    assert.deepEqual(await countByKey(await reportObjects(raw)), { plaintext: 1, sealed: { k1: 1 } });
    assert.deepEqual(await sealInPlace(await reportObjects(raw), keys), { sealed: 1, skipped: 1 });
    assert.ok(isSealed(await raw.get(before.findings)));
    assert.equal((await sealed.get(before.findings)).toString(), '{"findings":[]}', 'read back through the keys');
    assert.equal((await sealed.get(after.pdf)).toString(), '%PDF-1.7 new');
  });

  test('without a bucket, the local directory', () => {
    assert.ok(createObjectStore(loadConfig({})) instanceof FsObjectStore);
  });

  test('half a key pair or a bad prefix is a configuration error', () => {
    assert.throws(() => loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'only-id' }), /S3_SECRET_ACCESS_KEY: set both or neither/);
    assert.throws(() => loadConfig({ S3_PREFIX: '../up/' }), /S3_PREFIX/);
    assert.throws(() => loadConfig({ S3_PREFIX: 'no-slash' }), /S3_PREFIX/);
  });
});
