// A symbolic link in the ERP drop (the ledger, company.json, accounts.csv, or a directory on the way) could make the
// workers read any file they can: refused with a data error naming the file, before a byte of the target is read.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { LedgerFormatError } from '../../lib/domain/ledger';
import { loadChart } from '../../lib/erp/chart';
import { ledgerPath, loadCompany } from '../../lib/erp/company';
import { erpSource } from '../../lib/erp/erp-source';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { stageLedger, type LoadingDeps } from '../../lib/pipeline/ledger-loading';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { ledgerFiles } from '../../lib/security/at-rest-files';
import { LedgerValidator } from '../../lib/validation/ledger-validator';

const FIXTURE_LEDGERS = path.join(__dirname, '..', 'fixtures', 'ledgers');
const STANDARD_CHART = path.join(__dirname, '..', '..', 'ontology', 'accounts.csv');

let tmp: string;
let erp: string;
/** Outside the drop: a well-formed ledger of another company, so a followed link would load without complaint. */
let outside: string;
let deps: LoadingDeps;
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'erp-symlinks-'));
  erp = path.join(tmp, 'erp');
  outside = path.join(tmp, 'outside');
  await cp(FIXTURE_LEDGERS, erp, { recursive: true });
  await cp(path.join(FIXTURE_LEDGERS, 'companies', 'c02-누리'), outside, { recursive: true });
  const config = loadConfig({ ERP_DATA_DIR: erp });
  deps = {
    erp: erpSource(config),
    graph: new OxigraphStore(),
    validator: await LedgerValidator.load(config.SHAPES_DIR),
    queries: await QueryCatalog.load(config.SHAPES_DIR),
  };
});
after(async () => {
  await deps?.graph.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A LedgerFormatError naming `file` and the link, never one about the target's content. */
function refusedLink(file: string) {
  return (err: unknown) => {
    assert.ok(err instanceof LedgerFormatError, String(err));
    assert.equal(err.file, file);
    assert.match(err.message, /is a symbolic link.*refused, nothing was read/);
    return true;
  };
}

/** Replaces `file` in the drop with a link to `target`. */
async function linkInPlace(file: string, target: string): Promise<void> {
  await rm(file, { recursive: true });
  await symlink(target, file);
}

test('a ledger that links to /etc/passwd, or to a ledger outside the drop, is refused by the run and by seal --erp', async () => {
  const toPasswd = ledgerPath(erp, 'c00-한빛', '2024-01');
  await linkInPlace(toPasswd, '/etc/passwd');
  await assert.rejects(stageLedger(deps, 'c00-한빛', '2024-01'), refusedLink(toPasswd));

  const toOutside = ledgerPath(erp, 'c00-한빛', '2024-02');
  await linkInPlace(toOutside, path.join(outside, 'ledger', '2024-02.csv'));
  await assert.rejects(stageLedger(deps, 'c00-한빛', '2024-02'), refusedLink(toOutside));
  assert.deepEqual(await deps.graph.listGraphs(), [], 'nothing was staged');

  await assert.rejects(ledgerFiles(erp), refusedLink(toPasswd), 'sealing would copy the target into the drop');
  await rm(toPasswd);
  await rm(toOutside);
});

test('a linked directory on the way (the ledger folder) is refused the same way', async () => {
  const ledgerDir = path.join(erp, 'companies', 'c01-가람', 'ledger');
  await linkInPlace(ledgerDir, path.join(outside, 'ledger'));
  const file = ledgerPath(erp, 'c01-가람', '2024-03');
  await assert.rejects(stageLedger(deps, 'c01-가람', '2024-03'), (err: unknown) => {
    assert.ok(err instanceof LedgerFormatError, String(err));
    assert.equal(err.file, file);
    assert.match(err.message, /companies\/c01-가람\/ledger is a symbolic link/);
    return true;
  });
});

test('a linked company.json or accounts.csv is refused, naming the file', async () => {
  const companyDir = path.join(erp, 'companies', 'c03-다솜');
  const companyJson = path.join(companyDir, 'company.json');
  await rename(companyJson, path.join(tmp, 'c03.json'));
  await symlink(path.join(tmp, 'c03.json'), companyJson);
  await assert.rejects(loadCompany(erp, 'c03-다솜'), refusedLink(companyJson));

  const accounts = path.join(erp, 'companies', 'c02-누리', 'accounts.csv');
  await writeFile(path.join(tmp, 'accounts.csv'), await readFile(STANDARD_CHART));
  await mkdir(path.dirname(accounts), { recursive: true });
  await symlink(path.join(tmp, 'accounts.csv'), accounts);
  await assert.rejects(loadChart(erp, 'c02-누리', STANDARD_CHART), refusedLink(accounts));
});
