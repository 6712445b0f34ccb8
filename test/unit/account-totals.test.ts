// The per-account month totals written with each promoted month: they equal the sums of the month's parsed
// lines, rerunning adds nothing, and a month promoted without them (an earlier release) gets them on its next use.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig, PROJECT_ROOT } from '../../lib/config';
import { ledgerPath, loadCompany } from '../../lib/erp/company';
import { erpSource } from '../../lib/erp/erp-source';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { writeAccountTotals } from '../../lib/pipeline/account-totals';
import { checkAndPromote, loadContextMonths, stageLedger } from '../../lib/pipeline/ledger-loading';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { tax } from '../../lib/rdf/vocabulary';
import { LedgerValidator } from '../../lib/validation/ledger-validator';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

const COMPANY = 'c02-누리';
const SHAPES_DIR = path.join(PROJECT_ROOT, 'shapes');

async function setup() {
  const graph = new OxigraphStore();
  const config = loadConfig({ ERP_DATA_DIR: FIXTURE_LEDGERS });
  return { erp: erpSource(config), graph, validator: await LedgerValidator.load(SHAPES_DIR), queries: await QueryCatalog.load(SHAPES_DIR) };
}

const totalsQuery = (ledgerGraph: string) => `
  SELECT ?code ?debit ?credit ?lines WHERE { GRAPH <${ledgerGraph}> {
    ?t a <${tax('AccountTotal')}> ; <${tax('accountCode')}> ?code ; <${tax('debitTotal')}> ?debit ;
       <${tax('creditTotal')}> ?credit ; <${tax('lineCount')}> ?lines .
  } } ORDER BY ?code`;

async function totalsOf(graph: OxigraphStore, ledgerGraph: string) {
  const rows = await graph.select(totalsQuery(ledgerGraph));
  return rows.map((r) => ({ code: r.code!.value, debit: Number(r.debit!.value), credit: Number(r.credit!.value), lines: Number(r.lines!.value) }));
}

test('a promoted month carries its account totals, equal to the sums of its parsed lines', async () => {
  const deps = await setup();
  await stageLedger(deps, COMPANY, '2024-03');
  const { outcome, graph: ledgerGraph } = await checkAndPromote(deps, COMPANY, '2024-03');
  assert.equal(outcome.conforms, true);

  const expected = new Map<string, { code: string; debit: number; credit: number; lines: number }>();
  for await (const line of parseLedger(ledgerPath(FIXTURE_LEDGERS, COMPANY, '2024-03'), { period: '2024-03' })) {
    const t = expected.get(line.account) ?? { code: line.account, debit: 0, credit: 0, lines: 0 };
    t.debit += line.debit;
    t.credit += line.credit;
    t.lines++;
    expected.set(line.account, t);
  }
  const actual = await totalsOf(deps.graph, ledgerGraph);
  assert.ok(actual.length > 5, `only ${actual.length} accounts`);
  assert.deepEqual(
    actual,
    [...expected.values()].sort((a, b) => a.code.localeCompare(b.code)),
  );

  const before = await deps.graph.countTriples(ledgerGraph);
  await writeAccountTotals(deps.graph, deps.queries, ledgerGraph);
  assert.equal(await deps.graph.countTriples(ledgerGraph), before, 'a second run added triples');
});

test('a month promoted without totals gets them when a later month reads it as context', async () => {
  const deps = await setup();
  await stageLedger(deps, COMPANY, '2024-02');
  await checkAndPromote(deps, COMPANY, '2024-02');
  const february = ledgerGraphIri(COMPANY, '2024-02');
  const written = await totalsOf(deps.graph, february);
  await deps.graph.update(`DELETE WHERE { GRAPH <${february}> { ?t a <${tax('AccountTotal')}> ; ?p ?o } }`);
  assert.deepEqual(await totalsOf(deps.graph, february), []);

  const context = await loadContextMonths(deps, await loadCompany(FIXTURE_LEDGERS, COMPANY), '2024-03');
  assert.ok(context.present.includes('2024-02'), JSON.stringify(context));
  assert.deepEqual(await totalsOf(deps.graph, february), written);
});
