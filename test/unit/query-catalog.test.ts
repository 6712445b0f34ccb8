// The pipeline's SPARQL of shapes/ is read once, where the process starts: a missing or broken file fails there,
// named, and no analysis function reads a query file afterwards.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig, PROJECT_ROOT } from '../../lib/config';
import { loadCompany } from '../../lib/erp/company';
import { erpSource } from '../../lib/erp/erp-source';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { analyzeCompanyMonth } from '../../lib/pipeline/analyze-month';
import { checkAndPromote, loadContextMonths, stageLedger } from '../../lib/pipeline/ledger-loading';
import { QueryCatalog, QueryCatalogError } from '../../lib/rdf/query-catalog';
import { TaxRuleEngine } from '../../lib/rules/tax-rule-engine';
import { LedgerValidator } from '../../lib/validation/ledger-validator';

const FIXTURE_LEDGERS = path.join(__dirname, '..', 'fixtures', 'ledgers');
const SHAPES_DIR = path.join(PROJECT_ROOT, 'shapes');
const scratch: string[] = [];
after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A copy of shapes/ to break. */
async function shapesCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'query-catalog-'));
  scratch.push(dir);
  await cp(SHAPES_DIR, dir, { recursive: true });
  return dir;
}

test('the catalog holds every query of shapes/ by name', async () => {
  const queries = await QueryCatalog.load(SHAPES_DIR);
  assert.deepEqual(Object.keys(queries).sort(), ['accountMovements', 'accountTotals', 'periodTotals', 'ruleFigures']);
  assert.match(queries.periodTotals, /\?company\b/);
  assert.match(queries.accountTotals, /INSERT/);
  assert.ok(Object.isFrozen(queries));
});

test('a missing query file fails the load, naming the query and the file', async () => {
  const dir = await shapesCopy();
  await rm(path.join(dir, 'metrics', 'rule-figures.rq'));
  await assert.rejects(QueryCatalog.load(dir), (err: unknown) => {
    assert.ok(err instanceof QueryCatalogError);
    assert.match(
      err.message,
      /^query ruleFigures \(.*metrics[/\\]rule-figures\.rq\): missing: expected the file metrics\/rule-figures\.rq under the shapes directory /,
    );
    return true;
  });
});

test('an empty query file, or one without the variable the pipeline binds, fails the load', async () => {
  const dir = await shapesCopy();
  await writeFile(path.join(dir, 'totals', 'account-totals.ru'), '\n');
  await assert.rejects(QueryCatalog.load(dir), /query accountTotals \(.*account-totals\.ru\): the file is empty/);
  await cp(path.join(SHAPES_DIR, 'totals', 'account-totals.ru'), path.join(dir, 'totals', 'account-totals.ru'));
  await writeFile(path.join(dir, 'metrics', 'period-totals.rq'), 'SELECT ?period WHERE { ?s ?p ?o }\n');
  await assert.rejects(QueryCatalog.load(dir), /query periodTotals \(.*period-totals\.rq\): no variable \?company, which the pipeline binds/);
});

test('the queries are read once: a month is staged, promoted and analysed with its shapes directory gone', async () => {
  const dir = await shapesCopy();
  const queries = await QueryCatalog.load(dir);
  const [validator, rules] = await Promise.all([LedgerValidator.load(SHAPES_DIR), TaxRuleEngine.load(SHAPES_DIR)]);
  await rm(dir, { recursive: true, force: true });

  const graph = new OxigraphStore();
  try {
    const config = loadConfig({ ERP_DATA_DIR: FIXTURE_LEDGERS });
    const deps = {
      erp: erpSource(config),
      graph,
      validator,
      rules,
      queries,
      dataDir: FIXTURE_LEDGERS,
      falsePositiveMargin: config.FALSE_POSITIVE_MARGIN,
    };
    const company = await loadCompany(FIXTURE_LEDGERS, 'c02-누리');
    await stageLedger(deps, company.id, '2024-03');
    const { outcome } = await checkAndPromote(deps, company.id, '2024-03');
    assert.equal(outcome.conforms, true);
    const context = await loadContextMonths(deps, company, '2024-03');
    assert.deepEqual(context.loaded, ['2024-01', '2024-02']);
    const doc = await analyzeCompanyMonth(deps, company, '2024-03', outcome.warnings);
    assert.deepEqual(doc.metrics.ytdMonths, ['2024-01', '2024-02', '2024-03']);
    assert.ok(doc.metrics.lineCount > 0);
    assert.equal(doc.figures?.pnl.current.period, '2024-03');
  } finally {
    await graph.close();
  }
});
