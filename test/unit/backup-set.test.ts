// Backup sets without servers: the N-Quads conversion, the set's layout and manifest, parts, and a whole backup and
// restore over the embedded graph store, a directory and the file audit log (multi-part, with a pruned chain).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLogNotEmptyError } from '../../lib/audit/audit-log';
import { FileAuditLog } from '../../lib/audit/file-audit-log';
import { assertBackupId, backupId, completeSets, contentTypeOf, linesInParts, manifestKey, parseManifest } from '../../lib/backup/backup-set';
import { createBackup, type BackupSources } from '../../lib/backup/create-backup';
import { findBackup, restoreBackup, targetHoldings, TargetNotEmptyError, BackupUnusableError } from '../../lib/backup/restore-backup';
import { quadsToTriples, triplesToQuads } from '../../lib/graph/graph-nquads';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { createLogger } from '../../lib/logging';
import { FsObjectStore } from '../../lib/storage/fs-object-store';

const collect = async (chunks: AsyncIterable<string>) => {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
};
const cutEvery = (text: string, size: number) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, i * size + size));
const G = 'urn:test:graph:1';
const TRIPLES =
  '<http://ex/a> <http://ex/p> "직원 급여 \\"x\\" ." .\n# a comment\n\n<http://ex/a> <http://ex/q> <http://ex/b>.\n<http://ex/b> <http://ex/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .';

describe('graph N-Quads', () => {
  test('triples become quads of the graph and back, whatever the chunk borders', async () => {
    const quads = await collect(triplesToQuads(cutEvery(TRIPLES, 5), G));
    assert.deepEqual(quads.split('\n'), [
      `<http://ex/a> <http://ex/p> "직원 급여 \\"x\\" ." <${G}> .`,
      `<http://ex/a> <http://ex/q> <http://ex/b> <${G}> .`,
      `<http://ex/b> <http://ex/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <${G}> .`,
      '',
    ]);
    const triples = await collect(quadsToTriples(cutEvery(quads, 7), G));
    assert.equal(await collect(triplesToQuads([triples], G)), quads);
  });

  test('a quad of another graph, or a line that is no statement, is refused', async () => {
    await assert.rejects(
      collect(quadsToTriples([`<http://ex/a> <http://ex/p> "x" <urn:other> .\n`], G)),
      /not a statement of graph <urn:test:graph:1>/,
    );
    await assert.rejects(collect(triplesToQuads(['<http://ex/a> <http://ex/p> "x"\n'], G)), /not an N-Triples statement/);
    await assert.rejects(collect(triplesToQuads([''], 'not an iri')), /not an absolute IRI/);
  });
});

describe('backup set layout', () => {
  test('ids are UTC seconds that sort by time; only complete sets count', () => {
    assert.equal(backupId(new Date('2026-01-15T03:30:07.123Z')), '20260115T033007Z');
    assert.throws(() => assertBackupId('../x'), /not a backup id/);
    assert.throws(() => manifestKey('latest'), /not a backup id/);
    assert.deepEqual(
      completeSets([
        'manifests/20260102T000000Z.json',
        'manifests/junk.json',
        'manifests/20260101T000000Z.json',
        'manifests/20260103T000000Z.json.tmp',
      ]),
      ['20260101T000000Z', '20260102T000000Z'],
    );
    assert.equal(contentTypeOf('c/2024-01/report.pdf'), 'application/pdf');
    assert.equal(contentTypeOf('c/2024-01/v1/findings.json'), 'application/json');
  });

  test('parts end at line ends, hold every line once, and exceed their size by less than a chunk', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} 한글\n`);
    async function* chunks() {
      for (let i = 0; i < lines.length; i += 3) yield lines.slice(i, i + 3).join('');
    }
    const parts = [];
    for await (const part of linesInParts(chunks(), 100)) parts.push(part);
    assert.ok(parts.length > 5);
    assert.equal(parts.map((p) => p.body.toString('utf8')).join(''), lines.join(''));
    assert.equal(
      parts.reduce((n, p) => n + p.lines, 0),
      50,
    );
    for (const part of parts) {
      assert.ok(part.body.toString('utf8').endsWith('\n'));
      assert.ok(part.body.length < 100 + 3 * Buffer.byteLength(lines[49]!));
    }
  });

  test('a manifest that names files it does not list, or of another format, is refused', () => {
    const manifest = {
      format: 'tax-reports-backup/1',
      id: '20260101T000000Z',
      startedAt: '2026-01-01T00:00:00.000Z',
      createdAt: '2026-01-01T00:00:01.000Z',
      source: { graph: 'g', reports: 'r', audit: 'a' },
      graphs: [{ iri: G, statements: 1, files: ['graph/000001-0001.nq'] }],
      reports: { objects: 0 },
      audit: { records: 0, marks: {}, files: [] },
      files: { 'graph/000001-0001.nq': { bytes: 1, sha256: 'a'.repeat(64) } },
    };
    assert.equal(parseManifest(JSON.stringify(manifest)).id, manifest.id);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, files: {} })), /graph\/000001-0001\.nq is not among the files/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, format: 'other/1' })), /format/);
  });
});

describe('backup and restore over the embedded store, a directory and the file audit log', () => {
  let dir: string;
  const log = createLogger('silent');
  const stack = (name: string) => ({
    graph: new OxigraphStore(),
    reports: new FsObjectStore(path.join(dir, name, 'reports')),
    audit: new FileAuditLog(path.join(dir, name, 'audit', 'audit.jsonl'), log, () => new Date('2026-01-10T00:00:00Z')),
  });
  let source: ReturnType<typeof stack>;
  let backups: FsObjectStore;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'backup-set-'));
    source = stack('source');
    backups = new FsObjectStore(path.join(dir, 'backups'));
    // Over 256 KiB: more than one chunk of the embedded store's export, so more than one part.
    const lines = Array.from({ length: 8000 }, (_, i) => `<http://ex/s${i}> <http://ex/p> "값 ${i}" .\n`).join('');
    await source.graph.replaceGraph('urn:g:big', [lines]);
    await source.graph.replaceGraph('urn:g:small', ['<http://ex/a> <http://ex/p> <http://ex/b> .\n']);
    await source.reports.put('c01/2024-03/findings.json', '{"sealed":"or not, copied as stored"}', 'application/json');
    await source.reports.put('c01/2024-03/report.pdf', Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]), 'application/pdf');
    const old = new FileAuditLog(path.join(dir, 'source', 'audit', 'audit.jsonl'), log, () => new Date('2025-01-01T00:00:00Z'));
    for (let i = 0; i < 5; i++) await old.append({ action: 'report.viewed', actor: `u${i}`, outcome: 'success', target: `c01/2024-0${i + 1}` });
    // A pruned chain: the restore must carry the prune anchor, or the chain no longer verifies.
    assert.equal((await source.audit.prune(new Date('2025-06-01T00:00:00Z'), 'test')).removed, 5);
    await source.audit.append({ action: 'login.succeeded', actor: 'kim', outcome: 'success' });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a multi-part set restores into an empty stack: same graphs, bytes, and a chain that verifies', async () => {
    const sources: BackupSources = { ...source, describe: { graph: 'embedded', reports: 'dir', audit: 'file' } };
    const manifest = await createBackup(sources, backups, { partBytes: 2048, now: () => new Date('2026-01-10T01:00:00Z') });
    assert.equal(manifest.id, '20260110T010000Z');
    assert.ok(manifest.graphs.find((g) => g.iri === 'urn:g:big')!.files.length > 1, 'the big graph is cut in parts');
    assert.deepEqual(manifest.audit.marks.anchor?.seq, 5);
    assert.equal(manifest.audit.records, 2);

    const target = stack('target');
    assert.deepEqual(await targetHoldings(target), []);
    const summary = await restoreBackup(backups, await findBackup(backups, 'latest'), target, { actor: 'test' });
    assert.deepEqual(summary, { id: manifest.id, graphs: 2, statements: 8001, objects: 2, auditRecords: 2 });
    for (const iri of ['urn:g:big', 'urn:g:small']) {
      assert.equal(
        await collect(target.graph.exportGraph(iri)).then((t) => t.split('\n').sort().join('\n')),
        await collect(source.graph.exportGraph(iri)).then((t) => t.split('\n').sort().join('\n')),
      );
    }
    for (const key of ['c01/2024-03/findings.json', 'c01/2024-03/report.pdf'])
      assert.deepEqual(await target.reports.get(key), await source.reports.get(key));
    const verified = await target.audit.verify();
    assert.equal(verified.ok, true, verified.problems.join('\n'));
    assert.deepEqual([verified.firstSeq, verified.lastSeq], [6, 8]);

    assert.deepEqual((await targetHoldings(target)).length, 3);
    await assert.rejects(restoreBackup(backups, manifest, target), (err: unknown) => err instanceof TargetNotEmptyError && err.holdings.length === 3);
    await assert.rejects(target.audit.importChain({ marks: {}, records: (async function* () {})() }), AuditLogNotEmptyError);
  });

  test('a set whose manifest was never written is not restored, and not taken for the latest', async () => {
    const later = await createBackup({ ...source, describe: { graph: 'g', reports: 'r', audit: 'a' } }, backups, {
      now: () => new Date('2026-01-11T00:00:00Z'),
    });
    await rm(path.join(dir, 'backups', 'manifests', `${later.id}.json`));
    await assert.rejects(
      findBackup(backups, later.id),
      (err: unknown) => err instanceof BackupUnusableError && /has no manifest: it did not finish/.test(err.message),
    );
    assert.equal((await findBackup(backups, 'latest')).id, '20260110T010000Z');
    await assert.rejects(
      createBackup({ ...source, describe: { graph: 'g', reports: 'r', audit: 'a' } }, backups, { now: () => new Date('2026-01-11T00:00:00Z') }),
      /already exists/,
    );
  });
});
