// OxigraphStore's journal, snapshot and quad limit: what survives a restart, a crash mid-write and a compaction,
// what a write costs on disk, and the refusal past GRAPH_EMBEDDED_MAX_QUADS.
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RdfTerm } from '../../lib/graph/graph-store';
import { encodeRecord } from '../../lib/graph/oxigraph-journal';
import { OxigraphStore, type OxigraphStoreLog } from '../../lib/graph/oxigraph-store';
import { EmbeddedGraphFullError } from '../../lib/graph/quad-budget';

let dir: string;
let files = 0;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'oxigraph-persistence-'))));
after(() => rm(dir, { recursive: true, force: true }));

const freshFile = () => join(dir, `store-${++files}`, 'graph.nq');
const G = (name: string) => `urn:test:graph:${name}`;
/** `count` statements of N-Triples, distinct per `tag`. */
const lines = (tag: string, count: number) =>
  Array.from({ length: count }, (_, i) => `<urn:test:${tag}:${i}> <urn:test:p> "${tag} 값 ${i}" .\n`).join('');

function capturedLog(): OxigraphStoreLog & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    warn: (details, message) => warnings.push(`${message} ${JSON.stringify(details)}`),
    info: (details, message) => infos.push(`${message} ${JSON.stringify(details)}`),
  };
}

/** Every quad of every named graph, as sorted text: equal states give equal arrays (blank nodes are relabelled by a load). */
async function stateOf(store: OxigraphStore): Promise<string[]> {
  const rows = await store.select('SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }');
  const text = (term: RdfTerm) => (term.termType === 'BlankNode' ? '_:' : term.value);
  return rows.map((r) => `${r.g!.value} ${text(r.s!)} ${r.p!.value} ${text(r.o!)}`).sort();
}

/** A mix of every kind of write: in-place and replacing loads, SPARQL updates (a MOVE among them), a drop. */
async function writeMix(store: OxigraphStore): Promise<void> {
  await store.replaceGraph(G('a'), [lines('a', 50)]);
  await store.replaceGraph(G('a'), [lines('a2', 20), lines('a3', 5)]);
  await store.replaceGraph(G('b'), [lines('b', 30)]);
  await store.update(`INSERT DATA { GRAPH <${G('c')}> { <urn:test:x> <urn:test:p> "삽입" } }`);
  await store.update(`MOVE <${G('b')}> TO <${G('moved')}>`);
  await store.replaceGraph(G('gone'), [lines('gone', 10)]);
  await store.dropGraph(G('gone'));
}

describe('OxigraphStore journal', () => {
  test('a restart replays the journal to the same state, without a snapshot having been written', async () => {
    const persistFile = freshFile();
    const first = new OxigraphStore({ persistFile });
    await writeMix(first);
    const expected = await stateOf(first);
    await first.close();
    assert.equal(expected.length, 25 + 1 + 30);

    const second = new OxigraphStore({ persistFile });
    assert.deepEqual(await stateOf(second), expected);
    await second.close();
  });

  test('a torn last record and a write without its commit are dropped with a warning; the journal is cut back', async () => {
    const persistFile = freshFile();
    const first = new OxigraphStore({ persistFile });
    await writeMix(first);
    const expected = await stateOf(first);
    await first.close();
    const journal = `${persistFile}.journal`;
    // A crash mid-write: a whole load record of a write that never committed, then half of the next record.
    const uncommitted = encodeRecord({ op: 'load', tx: 'crashed', graph: G('half-loaded'), text: lines('half', 3) });
    await appendFile(journal, uncommitted);
    const whole = (await stat(journal)).size;
    const torn = encodeRecord({ op: 'update', sparql: `INSERT DATA { GRAPH <${G('torn')}> { <urn:test:t> <urn:test:p> "t" } }` });
    await appendFile(journal, torn.subarray(0, torn.length - 7));

    const log = capturedLog();
    const second = new OxigraphStore({ persistFile, log });
    assert.deepEqual(await stateOf(second), expected);
    assert.equal(log.warnings.filter((w) => w.includes('graph_journal_torn')).length, 1, log.warnings.join('\n'));
    assert.equal(log.warnings.filter((w) => w.includes('graph_journal_unfinished')).length, 1, log.warnings.join('\n'));
    assert.equal((await stat(journal)).size, whole, 'the torn bytes are cut off');
    // Appends after the cut land on a whole record: a third start sees them.
    await second.update(`INSERT DATA { GRAPH <${G('after')}> { <urn:test:y> <urn:test:p> "y" } }`);
    await second.close();
    const thirdLog = capturedLog();
    const third = new OxigraphStore({ persistFile, log: thirdLog });
    assert.deepEqual(thirdLog.warnings, [], 'the unfinished write was marked aborted, not warned about again');
    assert.deepEqual(await stateOf(third), [...expected, `${G('after')} urn:test:y urn:test:p y`].sort());
    await third.close();
  });

  test('a record whose bytes changed (checksum) is not loaded', async () => {
    const persistFile = freshFile();
    const first = new OxigraphStore({ persistFile });
    await first.replaceGraph(G('a'), [lines('a', 5)]);
    await first.close();
    const journal = `${persistFile}.journal`;
    const bytes = await readFile(journal);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0x20, bytes.length - 30); // inside the last records
    await writeFile(journal, bytes);
    const log = capturedLog();
    const second = new OxigraphStore({ persistFile, log });
    assert.deepEqual(await stateOf(second), []);
    assert.ok(
      log.warnings.some((w) => w.includes('graph_journal_torn')),
      log.warnings.join('\n'),
    );
    await second.close();
  });

  test('a write costs its own size on disk, whatever the store holds', async () => {
    const persistFile = freshFile();
    const store = new OxigraphStore({ persistFile, compactJournalBytes: 2 ** 40 });
    for (let i = 0; i < 20; i++) await store.replaceGraph(G(`big-${i}`), [lines(`big-${i}`, 1_000)]);
    const journal = `${persistFile}.journal`;
    const journalBytes = async () => (await stat(journal)).size;

    const insert = `INSERT DATA { GRAPH <${G('small')}> { <urn:test:s> <urn:test:p> "작은 쓰기" } }`;
    let before = await journalBytes();
    await store.update(insert);
    const updateCost = (await journalBytes()) - before;
    assert.ok(updateCost < Buffer.byteLength(insert) + 100, `an update of ${Buffer.byteLength(insert)} bytes wrote ${updateCost}`);

    const month = lines('month', 200);
    before = await journalBytes();
    await store.replaceGraph(G('month'), [month]);
    const loadCost = (await journalBytes()) - before;
    assert.ok(loadCost < Buffer.byteLength(month) + 500, `a load of ${Buffer.byteLength(month)} bytes wrote ${loadCost}`);
    // 20,000 quads held: a dump of the store would be about a hundred times that.
    assert.ok(store.quadsHeld > 20_000);
    assert.equal(await stat(persistFile).catch(() => undefined), undefined, 'no snapshot is written by a write');
    await store.close();
  });
});

describe('OxigraphStore compaction', () => {
  test('folds the journal into a new snapshot: the data stays, the journal shrinks, removed quads stop counting', async () => {
    const persistFile = freshFile();
    const writer = new OxigraphStore({ persistFile, compactJournalBytes: 2 ** 40 });
    // The same graph replaced again and again: the journal grows, the live data does not.
    for (let i = 0; i < 10; i++) await writer.replaceGraph(G('replaced'), [lines(`r${i}`, 100)]);
    await writer.replaceGraph(G('blank'), ['_:b1 <urn:test:p> _:b2 .\n_:b2 <urn:test:p> "leaf" .\n']);
    await writer.close();
    const log = capturedLog();
    const store = new OxigraphStore({ persistFile, compactJournalBytes: 16 * 1024, log });
    const journal = `${persistFile}.journal`;
    const journalBefore = (await stat(journal)).size;
    const heldBefore = store.quadsHeld;
    assert.ok(journalBefore > 16 * 1024);
    const expected = [...(await stateOf(store)), `${G('last')} urn:test:z urn:test:p z`].sort();

    await store.update(`INSERT DATA { GRAPH <${G('last')}> { <urn:test:z> <urn:test:p> "z" } }`); // compacts first
    assert.equal(log.infos.filter((i) => i.includes('graph_compacted')).length, 1, log.infos.join('\n'));
    assert.ok((await stat(journal)).size < 1024, 'the journal starts again');
    assert.ok(store.quadsHeld < heldBefore / 5, `held ${store.quadsHeld} after compaction, ${heldBefore} before`);
    assert.deepEqual(await stateOf(store), expected);
    const snapshot = await readFile(persistFile, 'utf8');
    assert.match(snapshot, /^# oxigraph-store snapshot [0-9a-f-]{36}\n/);
    await store.close();

    const reopened = new OxigraphStore({ persistFile });
    assert.deepEqual(await stateOf(reopened), expected);
    // The blank node chain kept its shape: the subject's object is the subject of "leaf".
    const [chain] = await reopened.select(`SELECT ?leaf WHERE { GRAPH <${G('blank')}> { ?a <urn:test:p> ?b . ?b <urn:test:p> ?leaf } }`);
    assert.equal(chain?.leaf?.value, 'leaf');
    await reopened.close();
  });

  test('a journal left from before the last compaction (a crash before the new one was written) is not replayed', async () => {
    const persistFile = freshFile();
    const log = capturedLog();
    // Compacts whenever the journal outgrows the snapshot.
    const store = new OxigraphStore({ persistFile, compactJournalBytes: 1, log });
    await store.replaceGraph(G('b'), [lines('b', 10)]);
    await store.update(`MOVE <${G('b')}> TO <${G('moved')}>`); // compacts first (the load), then moves
    const journal = `${persistFile}.journal`;
    const stale = join(dir, 'stale.journal');
    await copyFile(journal, stale);
    await store.replaceGraph(G('c'), [lines('c', 100)]);
    const expected = await stateOf(store);
    const compactions = log.infos.length;
    // Compacts first (the MOVE and <c> go into the snapshot); a crash then, before the new journal, loses this write.
    await store.update(`INSERT DATA { GRAPH <${G('lost')}> { <urn:test:l> <urn:test:p> "l" } }`);
    assert.equal(log.infos.length, compactions + 1, log.infos.join('\n'));
    await store.close();
    // Replaying the stale journal's MOVE on top of the snapshot would empty <moved>.
    await copyFile(stale, journal);

    const reopened = new OxigraphStore({ persistFile, log });
    const state = await stateOf(reopened);
    assert.deepEqual(state, expected);
    assert.equal(state.filter((q) => q.startsWith(G('moved'))).length, 10);
    assert.ok(
      log.infos.some((i) => i.includes('graph_journal_stale')),
      log.infos.join('\n'),
    );
    await reopened.close();
  });

  test('a persist file from before the journal (plain N-Quads) loads as the snapshot', async () => {
    const persistFile = freshFile();
    await mkdir(join(persistFile, '..'), { recursive: true });
    await writeFile(persistFile, lines('old', 12).replaceAll(' .\n', ` <${G('old')}> .\n`));

    const store = new OxigraphStore({ persistFile });
    assert.equal(await store.countTriples(G('old')), 12);
    await store.replaceGraph(G('new'), [lines('new', 4)]);
    const expected = await stateOf(store);
    await store.close();
    const reopened = new OxigraphStore({ persistFile });
    assert.deepEqual(await stateOf(reopened), expected);
    assert.equal(expected.length, 16);
    await reopened.close();
  });
});

describe('OxigraphStore quad limit', () => {
  test('refuses a write past maxQuads, saying what it holds, the limit and GRAPHDB_URL; the graph stays as it was', async () => {
    const store = new OxigraphStore({ maxQuads: 100 });
    await store.replaceGraph(G('kept'), [lines('kept', 60)]);
    await assert.rejects(store.replaceGraph(G('kept'), [lines('more', 50)]), (err: Error) => {
      assert.ok(err instanceof EmbeddedGraphFullError);
      assert.equal(err.name, 'EmbeddedGraphFullError');
      assert.match(err.message, /holds 60 quads/);
      assert.match(err.message, /limit of 100 \(GRAPH_EMBEDDED_MAX_QUADS/);
      assert.match(err.message, /set GRAPHDB_URL/);
      return true;
    });
    assert.equal(await store.countTriples(G('kept')), 60);
    await assert.rejects(store.update(`COPY <${G('kept')}> TO <${G('copy')}>`), EmbeddedGraphFullError);
    assert.equal(await store.countTriples(G('copy')), 0);
    await store.close();
  });

  test('removed quads count until a rebuild, which a write near the limit runs first: replacing a graph never fills it', async () => {
    const log = capturedLog();
    const store = new OxigraphStore({ maxQuads: 1_000, log });
    for (let i = 0; i < 12; i++) await store.replaceGraph(G('month'), [lines(`m${i}`, 150)]);
    assert.equal(await store.countTriples(G('month')), 150);
    assert.ok(
      log.infos.some((i) => i.includes('graph_compacted')),
      'rebuilt at least once',
    );
    assert.ok(store.quadsHeld <= 1_000);
    await store.close();
  });
});
