import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataFactory, Parser, Writer, type Quad } from 'n3';
import { createGraphStore } from '../../lib/graph/create-graph-store';
import type { GraphStore } from '../../lib/graph/graph-store';
import { GraphStoreHttpError, HttpGraphStore } from '../../lib/graph/http-graph-store';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { freePort } from '../../dev/free-port';
import { openRdf4jStore } from '../../dev/servers/rdf4j-server';

const { namedNode, literal, quad } = DataFactory;
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const EX = 'http://example.test/';
const TRICKY = 'he said "hi" > then\nnew line } ; DROP ALL # 국세청 부가가치세 \\ end';

const toNTriples = (quads: Quad[]) => new Writer({ format: 'N-Triples' }).quadsToString(quads);
const triple = (s: string, o: Quad['object']) => quad(namedNode(EX + s), namedNode(`${EX}p`), o);
const freshGraph = () => `urn:test:graph:${randomUUID()}`;
const valuesOf = async (store: GraphStore, graph: string) =>
  (await store.select(`SELECT ?o WHERE { GRAPH <${graph}> { ?s ?p ?o } } ORDER BY ?o`)).map((row) => row.o?.value);

/** Splits text at fixed offsets so chunk borders fall inside lines, as a streaming producer's would. */
function chunked(text: string, size = 7): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return chunks;
}

interface Backend {
  open(): Promise<{ store: GraphStore; dispose(): Promise<void> }>;
  /** Tests only this backend has, sharing its store. */
  extra?(store: () => GraphStore): void;
}

function graphStoreContract(name: string, backend: Backend): void {
  describe(name, () => {
    let store: GraphStore;
    let dispose: () => Promise<void>;
    before(async () => ({ store, dispose } = await backend.open()));
    after(() => dispose());

    const threeTriples = [triple('a', literal('one')), triple('b', literal('two')), triple('c', literal('three'))];

    test('replaceGraph from chunks, then select and count', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, chunked(toNTriples(threeTriples)));
      assert.equal(await store.countTriples(graph), 3);
      assert.deepEqual(await valuesOf(store, graph), ['one', 'three', 'two']);
      const [row] = await store.select(`SELECT ?s WHERE { GRAPH <${graph}> { ?s ?p "one" } }`);
      assert.deepEqual(row, { s: { termType: 'NamedNode', value: `${EX}a` } });
    });

    test('replaceGraph from an async iterable, twice, replaces without duplicates', async () => {
      const graph = freshGraph();
      async function* lines(quads: Quad[]) {
        for (const q of quads) yield toNTriples([q]);
      }
      await store.replaceGraph(graph, lines(threeTriples));
      await store.replaceGraph(graph, lines([triple('a', literal('one')), triple('d', literal('four'))]));
      assert.deepEqual(await valuesOf(store, graph), ['four', 'one']);
      assert.equal(await store.countTriples(graph), 2);
    });

    test('replaceGraph with an empty iterable empties the graph', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [toNTriples(threeTriples)]);
      await store.replaceGraph(graph, []);
      assert.equal(await store.countTriples(graph), 0);
    });

    test('replaceGraph with a malformed chunk in the middle keeps the previous content', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [toNTriples(threeTriples)]);
      const valid = toNTriples([triple('x', literal('new'))]);
      await assert.rejects(store.replaceGraph(graph, [valid, '<http://example.test/broken> <oops "\n', valid]));
      assert.deepEqual(await valuesOf(store, graph), ['one', 'three', 'two']);
    });

    test('replaceGraph whose iterable throws midway keeps the previous content', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [toNTriples(threeTriples)]);
      async function* failing() {
        yield toNTriples([triple('x', literal('new'))]);
        throw new Error('ledger export failed');
      }
      await assert.rejects(store.replaceGraph(graph, failing()), /ledger export failed/);
      assert.deepEqual(await valuesOf(store, graph), ['one', 'three', 'two']);
    });

    test('update: INSERT DATA, then MOVE to another graph', async () => {
      const [a, b] = [freshGraph(), freshGraph()];
      await store.update(`INSERT DATA { GRAPH <${a}> { ${toNTriples(threeTriples)} } }`);
      assert.equal(await store.countTriples(a), 3);
      await store.update(`MOVE <${a}> TO <${b}>`);
      assert.equal(await store.countTriples(a), 0);
      assert.deepEqual(await valuesOf(store, b), ['one', 'three', 'two']);
    });

    test('dropGraph removes a graph and ignores an absent one', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [toNTriples(threeTriples)]);
      await store.dropGraph(graph);
      assert.equal(await store.countTriples(graph), 0);
      await store.dropGraph(freshGraph());
    });

    test('graph IRIs that could break out of <...> are refused', async () => {
      const evil = 'http://example.test/g> } ; DROP ALL #';
      await assert.rejects(store.dropGraph(evil), TypeError);
      await assert.rejects(store.replaceGraph(evil, []), TypeError);
      await assert.rejects(store.countTriples(evil), TypeError);
    });

    test('ask', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [toNTriples(threeTriples)]);
      assert.equal(await store.ask(`ASK { GRAPH <${graph}> { ?s ?p "two" } }`), true);
      assert.equal(await store.ask(`ASK { GRAPH <${graph}> { ?s ?p "nine" } }`), false);
    });

    test('construct answers N-Triples', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [toNTriples(threeTriples)]);
      const text = await store.construct(`CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <${graph}> { ?s ?p ?o } }`);
      const parsed = new Parser({ format: 'N-Triples' }).parse(text);
      assert.deepEqual(parsed.map((q) => q.object.value).sort(), ['one', 'three', 'two']);
    });

    test('literal datatypes and languages round-trip', async () => {
      const graph = freshGraph();
      await store.replaceGraph(graph, [
        toNTriples([
          triple('int', literal('1250000', namedNode(`${XSD}integer`))),
          triple('date', literal('2025-01-25', namedNode(`${XSD}date`))),
          triple('plain', literal('plain')),
          triple('ko', literal('부가세', 'ko')),
        ]),
      ]);
      const rows = await store.select(`SELECT ?s ?o WHERE { GRAPH <${graph}> { ?s ?p ?o } }`);
      const bySubject = Object.fromEntries(rows.map((row) => [row.s?.value.slice(EX.length), row.o]));
      assert.deepEqual(bySubject, {
        int: { termType: 'Literal', value: '1250000', datatype: `${XSD}integer` },
        date: { termType: 'Literal', value: '2025-01-25', datatype: `${XSD}date` },
        plain: { termType: 'Literal', value: 'plain', datatype: `${XSD}string` },
        ko: {
          termType: 'Literal',
          value: '부가세',
          datatype: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString',
          language: 'ko',
        },
      });
    });

    test('a literal with quotes, >, newlines, SPARQL and Hangul round-trips exactly', async () => {
      const [viaReplace, viaUpdate] = [freshGraph(), freshGraph()];
      const data = toNTriples([triple('memo', literal(TRICKY))]);
      await store.replaceGraph(viaReplace, [data]);
      await store.update(`INSERT DATA { GRAPH <${viaUpdate}> { ${data} } }`);
      assert.deepEqual(await valuesOf(store, viaReplace), [TRICKY]);
      assert.deepEqual(await valuesOf(store, viaUpdate), [TRICKY]);
      // Hangul inside the query text itself must reach the server intact too.
      assert.equal(await store.ask(`ASK { GRAPH <${viaReplace}> { ?s ?p ?o FILTER(CONTAINS(?o, "국세청")) } }`), true);
      const constructed = await store.construct(`CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <${viaUpdate}> { ?s ?p ?o } }`);
      assert.equal(new Parser({ format: 'N-Triples' }).parse(constructed)[0]?.object.value, TRICKY);
    });

    test('malformed SPARQL rejects', async () => {
      await assert.rejects(store.select('SELEC ?x WHERE {'));
      await assert.rejects(store.update('INSERT DATTA { }'));
    });

    backend.extra?.(() => store);
  });
}

graphStoreContract('OxigraphStore (in memory)', {
  async open() {
    const store = new OxigraphStore();
    return { store, dispose: () => store.close() };
  },
});

graphStoreContract('HttpGraphStore against RDF4J Server', {
  open: openRdf4jStore,
  extra(store) {
    test('bad SPARQL raises GraphStoreHttpError 400 with a body excerpt', async () => {
      const err = await store()
        .select('SELEC ?x WHERE {')
        .then(
          () => assert.fail('expected a rejection'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof GraphStoreHttpError);
      assert.equal(err.status, 400);
      assert.equal(err.method, 'POST');
      assert.equal(err.path, '/rdf4j-server/repositories/tax');
      assert.match(err.bodyExcerpt, /MALFORMED QUERY/);
      assert.ok(err.bodyExcerpt.length <= 500);
    });
  },
});

describe('HttpGraphStore (local fake server)', () => {
  test('sends Basic auth, GDB tokens, and keeps credentials out of errors', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      const denied = seen.length === 3;
      res.writeHead(denied ? 401 : 200, { 'content-type': 'application/sparql-results+json' });
      res.end(denied ? 'Unauthorized' : '{"head":{},"boolean":true}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    const repositoryUrl = `http://127.0.0.1:${port}/repositories/tax`;
    const basic = new HttpGraphStore({ repositoryUrl, username: 'tax', password: 's3cret-pw', timeoutMs: 5_000 });
    const gdb = new HttpGraphStore({ repositoryUrl, token: 'tok-123', timeoutMs: 5_000 });
    try {
      assert.equal(await basic.ask('ASK {}'), true);
      assert.equal(await gdb.ask('ASK {}'), true);
      const err = await basic.ask('ASK {}').catch((e: unknown) => e);
      assert.ok(err instanceof GraphStoreHttpError);
      assert.equal(err.status, 401);
      assert.doesNotMatch(`${err.message} ${err.stack}`, /s3cret|dGF4OnMzY3JldC1wdw/);
    } finally {
      await Promise.all([basic.close(), gdb.close()]);
      server.close();
    }
    assert.equal(seen[0]?.authorization, `Basic ${Buffer.from('tax:s3cret-pw').toString('base64')}`);
    assert.equal(seen[0]?.['content-type'], 'application/sparql-query; charset=utf-8');
    assert.equal(seen[0]?.accept, 'application/sparql-results+json');
    assert.equal(seen[1]?.authorization, 'GDB tok-123');
  });

  test('connection refused fails fast with a clear message', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const store = new HttpGraphStore({ repositoryUrl: `http://127.0.0.1:${port}/repositories/tax`, timeoutMs: 60_000 });
    try {
      await assert.rejects(store.countTriples('urn:g'), (err: Error) => {
        assert.match(err.message, new RegExp(`POST http://127\\.0\\.0\\.1:${port}/repositories/tax failed: .*ECONNREFUSED`));
        return true;
      });
    } finally {
      await store.close();
    }
  });

  test('refuses credentials inside the repository URL', () => {
    assert.throws(() => new HttpGraphStore({ repositoryUrl: 'http://u:p@127.0.0.1:1/repositories/tax', timeoutMs: 1_000 }), TypeError);
  });
});

describe('OxigraphStore persistFile', () => {
  test('a new instance on the same file sees the graph; no temp files are left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oxigraph-persist-'));
    const persistFile = join(dir, 'nested', 'graph.nq');
    const graph = freshGraph();
    try {
      const first = new OxigraphStore({ persistFile });
      await first.replaceGraph(graph, [toNTriples([triple('memo', literal(TRICKY))])]);
      await first.update(`INSERT DATA { GRAPH <${graph}> { ${toNTriples([triple('n', literal('7', namedNode(`${XSD}integer`)))])} } }`);
      const dropped = freshGraph();
      await first.replaceGraph(dropped, [toNTriples([triple('gone', literal('gone'))])]);
      await first.dropGraph(dropped);
      await first.close();

      const second = new OxigraphStore({ persistFile });
      assert.equal(await second.countTriples(graph), 2);
      assert.equal(await second.countTriples(dropped), 0);
      assert.deepEqual(await valuesOf(second, graph), ['7', TRICKY]);
      await second.close();
      // The snapshot and its journal (oxigraph-journal.ts), nothing else.
      assert.deepEqual(
        (await readdir(join(dir, 'nested'))).filter((name) => !['graph.nq', 'graph.nq.journal'].includes(name)),
        [],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('createGraphStore', () => {
  test('uses the HTTP store when graphdbUrl is set, else oxigraph', async () => {
    const embedded = createGraphStore({ timeoutMs: 1_000 });
    const remote = createGraphStore({ graphdbUrl: 'http://127.0.0.1:1/repositories/tax', timeoutMs: 1_000 });
    assert.ok(embedded instanceof OxigraphStore);
    assert.ok(remote instanceof HttpGraphStore);
    await Promise.all([embedded.close(), remote.close()]);
  });
});
