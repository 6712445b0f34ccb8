// One staging reads its ledger file once: the digest, the encoding's detection, the format's sniffing, the parser and
// (with encryption at rest) the sealing of a plaintext upload all take the bytes of that one read. The reads go
// through a recording ErpSource.readFile that spoils the file on disk as soon as it has read it, so any other read
// of the file, counted or not, would change the digest or fail the parse.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../lib/config';
import { ledgerAad, ledgerPath, type LedgerFormat } from '../../lib/erp/company';
import { erpSource, type ErpSource } from '../../lib/erp/erp-source';
import { readFileWithinLimit } from '../../lib/erp/input-limits';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { stageLedger, type LoadingDeps } from '../../lib/pipeline/ledger-loading';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { ledgerFile, sealInPlace } from '../../lib/security/at-rest-files';
import { isSealed, open } from '../../lib/security/envelope';
import { localKeyWrapper } from '../../lib/security/keyring';
import { LedgerValidator } from '../../lib/validation/ledger-validator';
import { journalWorkbook } from '../../dev/sample-workbook';

const FIXTURE_LEDGERS = path.join(__dirname, '..', 'fixtures', 'ledgers');
const keys = localKeyWrapper(new Map([['k1', randomBytes(32)]]), 'k1');

let dir: string;
let deps: Omit<LoadingDeps, 'erp'>;
let source: ErpSource;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ledger-read-once-'));
  await cp(FIXTURE_LEDGERS, dir, { recursive: true });
  const config = loadConfig({ ERP_DATA_DIR: dir });
  source = erpSource(config);
  deps = {
    graph: new OxigraphStore(),
    validator: await LedgerValidator.load(config.SHAPES_DIR),
    queries: await QueryCatalog.load(config.SHAPES_DIR),
  };
});
after(async () => {
  await deps?.graph.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reads as the default reader does, then overwrites the file: whatever reads it after this read gets other bytes. */
function recordingReader() {
  const reads: string[] = [];
  const readFile = async (file: string) => {
    reads.push(file);
    const bytes = await readFileWithinLimit(file);
    await writeFile(file, 'not the ledger any more\n');
    return bytes;
  };
  return { reads, readFile };
}

/**
 * Stages the month with the default reader (for reference; it leaves the file as it is), then with a recording one;
 * each with the keys (encryption at rest on) or not.
 */
async function stageTwice(companyId: string, period: string, format: LedgerFormat, withKeys: { reference: boolean; recorded: boolean }) {
  const file = ledgerPath(dir, companyId, period, format);
  const upload = await readFile(file);
  const reference = await stageLedger({ ...deps, erp: { ...source, ...(withKeys.reference && { keys }) } }, companyId, period);
  assert.deepEqual(await readFile(file), upload, 'the reference staging left the file as it was');
  const recorder = recordingReader();
  const erp = { ...source, ...(withKeys.recorded && { keys }), readFile: recorder.readFile };
  const staged = await stageLedger({ ...deps, erp }, companyId, period);
  return { file, upload, reference, staged, reads: recorder.reads };
}

const PLAIN = { reference: false, recorded: false };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

for (const [companyId, encoding] of [
  ['c00-한빛', 'UTF-8'],
  ['c01-가람', 'CP949'],
  ['c02-누리', 'UTF-8 with BOM'],
] as const) {
  test(`a ${encoding} CSV is read once per staging`, async () => {
    const { file, upload, reference, staged, reads } = await stageTwice(companyId, '2024-02', 'csv', PLAIN);
    assert.deepEqual(reads, [file]);
    assert.deepEqual(staged, reference);
    assert.ok(staged.lines > 10);
    assert.equal(staged.sourceSha256, sha256(upload));
  });
}

test('an .xlsx is read once per staging', async () => {
  const csv = ledgerPath(dir, 'c03-다솜', '2024-02');
  const rows = parse(await readFile(csv, 'utf8'), { bom: true });
  await writeFile(ledgerPath(dir, 'c03-다솜', '2024-02', 'xlsx'), journalWorkbook('(주)다솜', '2024-02', rows));
  await rm(csv);
  const { file, reference, staged, reads } = await stageTwice('c03-다솜', '2024-02', 'xlsx', PLAIN);
  assert.deepEqual(reads, [file]);
  assert.deepEqual(staged, reference);
  assert.ok(staged.lines > 10);
});

test('a sealed ledger is read once per staging, and digested as its plaintext', async () => {
  const file = ledgerPath(dir, 'c04-미르', '2024-02');
  const plaintext = await readFile(file);
  await sealInPlace([ledgerFile(dir, 'c04-미르', '2024-02', 'csv')], keys);
  const { staged, reference, reads } = await stageTwice('c04-미르', '2024-02', 'csv', { reference: true, recorded: true });
  assert.deepEqual(reads, [file]);
  assert.deepEqual(staged, reference);
  assert.equal(staged.sourceSha256, sha256(plaintext));
});

test('a plaintext upload is sealed in place from the one read, and staged', async () => {
  const { file, upload, reference, staged, reads } = await stageTwice('c05-새봄', '2024-02', 'csv', { reference: false, recorded: true });
  assert.deepEqual(reads, [file]);
  assert.deepEqual(staged, reference, 'the same lines and digest as the plaintext staged without keys');
  const onDisk = await readFile(file);
  assert.ok(isSealed(onDisk), 'the file on disk is the sealed upload, written over what the reader left');
  assert.deepEqual(await open(onDisk, keys, ledgerAad('c05-새봄', '2024-02')), upload);
});

test('the recording reader spoils the file: a second read of it would fail the staging', async () => {
  await recordingReader().readFile(ledgerPath(dir, 'c00-한빛', '2024-04'));
  await assert.rejects(stageLedger({ ...deps, erp: source }, 'c00-한빛', '2024-04'), { name: 'LedgerFormatError' });
});
