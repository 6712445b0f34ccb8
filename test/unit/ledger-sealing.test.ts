// With encryption at rest on, a ledger is read sealed only: a plaintext one (a new upload) is sealed in place by the
// step that first reads it, before anything else does, and the readers refuse plaintext.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { ledgerAad, ledgerPath } from '../../lib/erp/company';
import { erpSource } from '../../lib/erp/erp-source';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { stageLedger, type LoadingDeps } from '../../lib/pipeline/ledger-loading';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { isSealed, open } from '../../lib/security/envelope';
import { localKeyWrapper } from '../../lib/security/keyring';
import { LedgerValidator } from '../../lib/validation/ledger-validator';

const FIXTURE_LEDGERS = path.join(__dirname, '..', 'fixtures', 'ledgers');
const COMPANY = 'c01-가람';
const PERIOD = '2024-03';
const keys = localKeyWrapper(new Map([['k1', randomBytes(32)]]), 'k1');

let dir: string;
let deps: LoadingDeps;
const logged: object[] = [];
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ledger-sealing-'));
  await cp(FIXTURE_LEDGERS, dir, { recursive: true });
  const config = loadConfig({ ERP_DATA_DIR: dir });
  deps = {
    erp: erpSource(config, keys),
    graph: new OxigraphStore(),
    validator: await LedgerValidator.load(config.SHAPES_DIR),
    queries: await QueryCatalog.load(config.SHAPES_DIR),
    log: { info: (d) => logged.push(d) },
  };
});
after(async () => {
  await deps?.graph.close();
  await rm(dir, { recursive: true, force: true });
});

test('a plaintext upload is sealed in place (mode kept, logged) before it is staged, and staged from the sealed file', async () => {
  const file = ledgerPath(dir, COMPANY, PERIOD);
  const upload = await readFile(file);
  await chmod(file, 0o640);
  const plain = await stageLedger({ ...deps, erp: { ...deps.erp, keys: undefined }, log: undefined }, COMPANY, PERIOD);
  assert.equal(isSealed(await readFile(file)), false, 'without encryption the file is left as it is');

  const staged = await stageLedger(deps, COMPANY, PERIOD);
  const onDisk = await readFile(file);
  assert.ok(isSealed(onDisk), 'sealed on disk');
  assert.deepEqual(await open(onDisk, keys, ledgerAad(COMPANY, PERIOD)), upload);
  assert.equal((await stat(file)).mode & 0o777, 0o640);
  assert.deepEqual(staged, plain, 'the same lines and the same source digest (of the plaintext)');
  assert.deepEqual(logged, [{ event: 'ledger_sealed', company_id: COMPANY, period: PERIOD, file }]);

  await stageLedger(deps, COMPANY, PERIOD);
  assert.equal(logged.length, 1, 'a sealed ledger is read as it is');
});

test('with keys, the ledger reader refuses a plaintext file: the sealing step is the only one that reads plaintext', async () => {
  const file = ledgerPath(dir, COMPANY, '2024-04');
  await writeFile(file, await readFile(ledgerPath(FIXTURE_LEDGERS, COMPANY, '2024-04')));
  const lines = parseLedger(file, { period: '2024-04', unsealing: { keys, aad: ledgerAad(COMPANY, '2024-04') } });
  await assert.rejects(lines.next(), /2024-04\.csv is plaintext, but encryption at rest is on/);
});
