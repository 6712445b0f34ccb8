// The embedded store and RDF4J must answer the pipeline's queries identically on real ledgers, and a
// reload of the same exports must leave both unchanged.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LedgerLine } from '../../lib/domain/ledger';
import { findLedger, ledgerPeriods, listCompanyIds } from '../../lib/erp/company';
import { detectEncoding } from '../../lib/erp/decode';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { writeSampleData } from '../../dev/sample-data';
import { graphIriRef } from '../../lib/graph/graph-sparql';
import type { GraphStore, RdfTerm, SelectRow } from '../../lib/graph/graph-store';
import { GraphStoreHttpError, HttpGraphStore } from '../../lib/graph/http-graph-store';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { ledgerGraphIri, voucherIri } from '../../lib/rdf/iris';
import { TAX } from '../../lib/rdf/vocabulary';
import { loadLedgerGraphs } from '../support/ledger-graphs';
import { startRdf4jServer, type Rdf4jServer } from '../../dev/servers/rdf4j-server';

const ROOT = resolve(__dirname, '../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/ledgers');
const STANDARD_CHART = join(ROOT, 'ontology/accounts.csv');
const XSD_STRING = 'http://www.w3.org/2001/XMLSchema#string';
// No fixture has a counterparty code with a leading zero; one month of the sample data set adds them.
const SAMPLE_MONTH = '2026-01';

interface Month {
  companyId: string;
  file: string;
  graph: string;
  /** The parsed lines, the ground truth the stores' answers are checked against. */
  lines: LedgerLine[];
}

/** Every company-month export under a data dir (UTF-8, UTF-8 with BOM and CP949 alike), parsed. */
async function monthsOf(dataDir: string): Promise<Month[]> {
  const months: Month[] = [];
  for (const companyId of await listCompanyIds(dataDir)) {
    for (const period of await ledgerPeriods(dataDir, companyId)) {
      const file = (await findLedger(dataDir, companyId, period))!.path;
      const lines: LedgerLine[] = [];
      for await (const line of parseLedger(file, { period })) lines.push(line);
      months.push({ companyId, file, graph: ledgerGraphIri(companyId, period), lines });
    }
  }
  return months;
}

const termText = (t: RdfTerm): string =>
  t.termType === 'Literal' ? `${JSON.stringify(t.value)}^^<${t.datatype}>${t.language ? `@${t.language}` : ''}` : `<${t.value}>`;
/** Rows as sorted text, so that answers compare regardless of row order. */
const normalize = (rows: SelectRow[]): string[] =>
  rows
    .map((row) =>
      JSON.stringify(
        Object.entries(row)
          .map(([name, t]) => [name, termText(t)])
          .sort(),
      ),
    )
    .sort();

describe('fixture ledgers in OxigraphStore and RDF4J', () => {
  let server: Rdf4jServer;
  let oxigraph: OxigraphStore;
  let rdf4j: HttpGraphStore;
  let months: Month[];
  let sampleDir: string;
  let dataDirs: string[];
  /** `VALUES ?g { … }` naming every ledger graph. */
  let ledgerGraphs: string;

  /** Parses and maps every month afresh from its file, as the ETL activity does. */
  async function load(store: GraphStore): Promise<void> {
    for (const dataDir of dataDirs) await loadLedgerGraphs(store, dataDir, STANDARD_CHART);
  }

  before(async () => {
    sampleDir = await mkdtemp(join(tmpdir(), 'parity-sample-'));
    await writeSampleData(sampleDir, [SAMPLE_MONTH]);
    dataDirs = [FIXTURE_DIR, sampleDir];
    months = (await Promise.all(dataDirs.map(monthsOf))).flat();
    ledgerGraphs = `VALUES ?g { ${months.map((m) => graphIriRef(m.graph)).join(' ')} }`;
    server = await startRdf4jServer();
    oxigraph = new OxigraphStore();
    rdf4j = new HttpGraphStore({ repositoryUrl: server.repositoryUrl, timeoutMs: 60_000 });
    await Promise.all([load(oxigraph), load(rdf4j)]);
  });

  after(async () => {
    await Promise.all([oxigraph?.close(), rdf4j?.close()]);
    await server?.stop();
    await rm(sampleDir, { recursive: true, force: true });
  });

  /** Runs a SELECT on both stores, asserts identical answers and returns them. */
  async function bothAnswer(query: string): Promise<SelectRow[]> {
    const text = `PREFIX tax: <${TAX}>\n${query}`;
    const [embedded, remote] = await Promise.all([oxigraph.select(text), rdf4j.select(text)]);
    assert.deepEqual(normalize(remote), normalize(embedded));
    assert.ok(embedded.length > 0, `no rows for ${query}`);
    return embedded;
  }

  async function triplesPerGraph(store: GraphStore): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const { graph } of months) counts[graph] = await store.countTriples(graph);
    return counts;
  }

  test('loads every fixture month, in all three encodings', async () => {
    const fixtures = months.filter((m) => m.file.startsWith(FIXTURE_DIR));
    assert.equal(fixtures.length, 36);
    assert.ok(months.every((m) => m.lines.length > 0));
    const encodings = new Set(await Promise.all(fixtures.map((m) => detectEncoding(m.file))));
    assert.deepEqual([...encodings].sort(), ['cp949', 'utf-8', 'utf-8-bom']);
  });

  test('the same triple count per ledger graph, and no other graph', async () => {
    const counts = await triplesPerGraph(oxigraph);
    assert.deepEqual(await triplesPerGraph(rdf4j), counts);
    assert.ok(Object.values(counts).every((n) => n > 0));
    const graphs = await bothAnswer('SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }');
    assert.deepEqual(graphs.map((row) => row.g?.value).sort(), months.map((m) => m.graph).sort());
  });

  test('Σdebit and Σcredit per account and month match the exports', async () => {
    const rows = await bothAnswer(`
      SELECT ?g ?code (SUM(?debit) AS ?debits) (SUM(?credit) AS ?credits) WHERE {
        ${ledgerGraphs}
        GRAPH ?g { ?line a tax:JournalLine ; tax:accountCode ?code ; tax:debit ?debit ; tax:credit ?credit . }
      } GROUP BY ?g ?code`);
    const expected = new Map<string, { debits: number; credits: number }>();
    for (const { graph, lines } of months) {
      for (const line of lines) {
        const totals = expected.get(`${graph} ${line.account}`) ?? { debits: 0, credits: 0 };
        totals.debits += line.debit;
        totals.credits += line.credit;
        expected.set(`${graph} ${line.account}`, totals);
      }
    }
    const actual = rows.map((row) => `${row.g?.value} ${row.code?.value} ${row.debits?.value} ${row.credits?.value}`);
    assert.deepEqual(actual.sort(), [...expected].map(([key, t]) => `${key} ${t.debits} ${t.credits}`).sort());
  });

  test('line count per voucher matches the exports', async () => {
    const rows = await bothAnswer(`
      SELECT ?voucher (COUNT(?line) AS ?lines) WHERE {
        ${ledgerGraphs}
        GRAPH ?g { ?line a tax:JournalLine ; tax:voucher ?voucher . }
      } GROUP BY ?voucher`);
    const expected = new Map<string, number>();
    for (const { companyId, lines } of months) {
      for (const line of lines) {
        const voucher = voucherIri(companyId, line.date, line.voucher);
        expected.set(voucher, (expected.get(voucher) ?? 0) + 1);
      }
    }
    const actual = rows.map((row) => `${row.voucher?.value} ${row.lines?.value}`);
    assert.deepEqual(actual.sort(), [...expected].map(([voucher, n]) => `${voucher} ${n}`).sort());
  });

  test('memos with Hangul come back exactly as exported', async () => {
    const rows = await bothAnswer(`
      SELECT ?line ?memo WHERE {
        ${ledgerGraphs}
        GRAPH ?g { ?line tax:memo ?memo . FILTER(REGEX(?memo, "[가-힣]")) }
      }`);
    const exported = months.flatMap((m) => m.lines.map((l) => l.memo ?? '')).filter((memo) => /[가-힣]/.test(memo));
    assert.deepEqual(rows.map((row) => row.memo?.value).sort(), exported.sort());
  });

  test('counterparty codes keep their leading zeros as text', async () => {
    const rows = await bothAnswer(`
      SELECT DISTINCT ?g ?code WHERE {
        ${ledgerGraphs}
        GRAPH ?g { ?cp a tax:Counterparty ; tax:counterpartyCode ?code . FILTER(STRSTARTS(?code, "0")) }
      }`);
    const exported = new Set(
      months.flatMap((m) => m.lines.filter((l) => l.counterpartyCode?.startsWith('0')).map((l) => `${m.graph} ${l.counterpartyCode}`)),
    );
    assert.deepEqual(rows.map((row) => `${row.g?.value} ${row.code?.value}`).sort(), [...exported].sort());
    assert.ok(rows.every((row) => row.code?.datatype === XSD_STRING && /^0\d+$/.test(row.code.value)));
  });

  test('reloading the same files leaves every count unchanged', async () => {
    const counts = await triplesPerGraph(oxigraph);
    await Promise.all([load(oxigraph), load(rdf4j)]);
    assert.deepEqual(await triplesPerGraph(oxigraph), counts);
    assert.deepEqual(await triplesPerGraph(rdf4j), counts);
    const [total] = await bothAnswer('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }');
    assert.equal(
      Number(total?.n?.value),
      Object.values(counts).reduce((a, b) => a + b, 0),
    );
  });
});

describe('HttpGraphStore against a server that checks credentials', () => {
  const GOOD = `Basic ${Buffer.from('tax:right-pw').toString('base64')}`;
  let server: ReturnType<typeof createServer>;
  let repositoryUrl: string;

  before(async () => {
    server = createServer((req, res) => {
      // Read the whole body first, as a servlet container does, so the client sees the answer.
      req.resume();
      req.on('end', () => {
        if (req.headers.authorization === GOOD) return void res.writeHead(204).end();
        res.writeHead(401, { 'www-authenticate': 'Basic realm="rdf4j"', 'content-type': 'text/plain' }).end('Unauthorized');
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    repositoryUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/rdf4j-server/repositories/tax`;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  test('wrong credentials surface as GraphStoreHttpError 401, without the password', async () => {
    const graph = ledgerGraphIri('c00-한빛', '2024-01');
    const ntriples = '<urn:s> <urn:p> "부가세" .\n';
    const right = new HttpGraphStore({ repositoryUrl, username: 'tax', password: 'right-pw', timeoutMs: 5_000 });
    const wrong = new HttpGraphStore({ repositoryUrl, username: 'tax', password: 'wrong-pw', timeoutMs: 5_000 });
    try {
      await right.replaceGraph(graph, [ntriples]);
      const err = await wrong.replaceGraph(graph, [ntriples]).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof GraphStoreHttpError);
      assert.equal(err.status, 401);
      assert.equal(err.method, 'PUT');
      assert.match(err.message, /PUT \/rdf4j-server\/repositories\/tax\/statements\?context=.* answered HTTP 401: Unauthorized/);
      assert.doesNotMatch(`${err.message} ${err.stack}`, /wrong-pw|right-pw/);
    } finally {
      await Promise.all([right.close(), wrong.close()]);
    }
  });
});
