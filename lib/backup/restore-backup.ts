/**
 * Restores a backup set into a stack: only a complete set (its manifest present) whose every file still has the
 * manifest's sha256, and only into empty stores unless forced. Nothing is written before both checks passed.
 */
import { userInfo } from 'node:os';
import { parseRecord } from '../audit/audit-chain';
import type { AuditLog, AuditRecord } from '../audit/audit-log';
import { quadsToTriples } from '../graph/graph-nquads';
import type { GraphStore } from '../graph/graph-store';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store';
import {
  MANIFESTS,
  REPORTS_DIR,
  assertBackupId,
  completeSets,
  contentTypeOf,
  fileKey,
  firstKey,
  inBatches,
  manifestKey,
  parseManifest,
  sha256,
  type Manifest,
} from './backup-set';

export interface RestoreTargets {
  graph: GraphStore;
  /** The report store without encryption: the backup holds the objects as stored (sealed ones sealed). */
  reports: ObjectStore;
  audit: AuditLog;
}

export interface RestoreOptions {
  /** Restore into stores that hold data: graphs and objects of the set replace theirs; a non-empty audit log is left as it is. */
  force?: boolean;
  /** Who restores, for the `backup.restored` audit record. */
  actor?: string;
  copyConcurrency?: number;
}

export interface RestoreSummary {
  id: string;
  graphs: number;
  statements: number;
  objects: number;
  /** Records restored; undefined when a forced restore left a non-empty audit log alone. */
  auditRecords?: number;
}

/** The set cannot be restored: missing, unfinished or damaged. */
export class BackupUnusableError extends Error {
  override readonly name = 'BackupUnusableError';
}

export class TargetNotEmptyError extends Error {
  override readonly name = 'TargetNotEmptyError';
  constructor(readonly holdings: string[]) {
    super(`refusing to restore into a stack that holds data (pass --force to restore over it):\n  ${holdings.join('\n  ')}`);
  }
}

/** The manifest of set `which`, or of the newest complete set for 'latest'. */
export async function findBackup(backups: ObjectStore, which: string): Promise<Manifest> {
  let id: string;
  if (which === 'latest') {
    const keys: string[] = [];
    for await (const key of backups.list(MANIFESTS)) keys.push(key);
    const newest = completeSets(keys).at(-1);
    if (!newest) throw new BackupUnusableError('the backup store holds no complete backup');
    id = newest;
  } else {
    id = assertBackupId(which);
  }
  let text: string;
  try {
    text = (await backups.get(manifestKey(id))).toString('utf8');
  } catch (err) {
    if (!(err instanceof ObjectNotFoundError)) throw err;
    const file = await firstKey(backups.list(`${id}/`));
    throw new BackupUnusableError(
      file ? `backup ${id} has no manifest: it did not finish (${file} and others are there); refusing to restore it` : `there is no backup ${id}`,
    );
  }
  const manifest = parseManifest(text);
  if (manifest.id !== id) throw new BackupUnusableError(`${manifestKey(id)} describes backup ${manifest.id}`);
  return manifest;
}

/** Every file of the set read and checked against the manifest; all that differ are named. */
export async function verifyBackup(backups: ObjectStore, manifest: Manifest): Promise<void> {
  const problems: string[] = [];
  for (const file of Object.keys(manifest.files)) {
    const problem = await readChecked(backups, manifest, file).then(
      () => undefined,
      (err: Error) => err.message,
    );
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new BackupUnusableError(`backup ${manifest.id} is damaged:\n  ${problems.join('\n  ')}`);
}

/** One line per target store that is not empty; none when a restore may go ahead. */
export async function targetHoldings(targets: RestoreTargets): Promise<string[]> {
  const holdings: string[] = [];
  const graphs = await targets.graph.listGraphs();
  if (graphs.length > 0) holdings.push(`the graph store holds ${graphs.length} named graph(s), e.g. <${graphs[0]}>`);
  const key = await firstKey(targets.reports.list(''));
  if (key !== undefined) holdings.push(`the report store holds objects, e.g. ${key}`);
  const [newest] = await targets.audit.list({ limit: 1 });
  if (newest) holdings.push(`the audit log holds records, up to seq ${newest.seq}`);
  return holdings;
}

export async function restoreBackup(
  backups: ObjectStore,
  manifest: Manifest,
  targets: RestoreTargets,
  { force = false, actor = `cli:${userInfo().username}`, copyConcurrency = 16 }: RestoreOptions = {},
): Promise<RestoreSummary> {
  await verifyBackup(backups, manifest);
  const holdings = await targetHoldings(targets);
  if (holdings.length > 0 && !force) throw new TargetNotEmptyError(holdings);
  const { id } = manifest;

  let statements = 0;
  for (const graph of manifest.graphs) {
    // One replaceGraph per graph: blank nodes shared by its parts stay one node.
    await targets.graph.replaceGraph(graph.iri, quadsToTriples(readText(backups, manifest, graph.files), graph.iri));
    const count = await targets.graph.countTriples(graph.iri);
    if (count !== graph.statements)
      throw new Error(`graph <${graph.iri}> holds ${count} statements after the restore, the backup ${graph.statements}`);
    statements += count;
  }

  const reportFiles = Object.keys(manifest.files).filter((file) => file.startsWith(REPORTS_DIR));
  const objects = await inBatches(reportFiles, copyConcurrency, async (file) => {
    const key = file.slice(REPORTS_DIR.length);
    await targets.reports.put(key, await readChecked(backups, manifest, file), contentTypeOf(key));
  });

  let auditRecords: number | undefined;
  if ((await targets.audit.list({ limit: 1 })).length === 0) {
    ({ records: auditRecords } = await targets.audit.importChain({
      marks: manifest.audit.marks,
      records: auditRecordsOf(readText(backups, manifest, manifest.audit.files)),
    }));
  }
  const verified = await targets.audit.verify();
  if (!verified.ok) throw new Error(`the audit log does not verify after the restore:\n  ${verified.problems.join('\n  ')}`);
  await targets.audit.append({
    action: 'backup.restored',
    actor,
    target: id,
    outcome: 'success',
    details: { graphs: manifest.graphs.length, statements, objects, auditRecords, forced: force },
  });
  return { id, graphs: manifest.graphs.length, statements, objects, auditRecords };
}

/** A file of the set, refused unless its size and sha256 are the manifest's (checked again as it is restored). */
async function readChecked(backups: ObjectStore, manifest: Manifest, file: string): Promise<Buffer> {
  const expected = manifest.files[file];
  if (!expected) throw new Error(`${file}: not in the manifest`);
  let body: Buffer;
  try {
    body = await backups.get(fileKey(manifest.id, file));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new Error(`${file}: missing`);
    throw err;
  }
  if (body.length !== expected.bytes || sha256(body) !== expected.sha256) {
    throw new Error(`${file}: sha256 ${sha256(body)} (${body.length} bytes) where the manifest has ${expected.sha256} (${expected.bytes} bytes)`);
  }
  return body;
}

/** Parts end at line ends, so each decodes on its own. */
async function* readText(backups: ObjectStore, manifest: Manifest, files: string[]): AsyncGenerator<string> {
  for (const file of files) yield (await readChecked(backups, manifest, file)).toString('utf8');
}

async function* auditRecordsOf(text: AsyncIterable<string>): AsyncGenerator<AuditRecord> {
  for await (const chunk of text) {
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      const entry = parseRecord(JSON.parse(line));
      if ('malformed' in entry) throw new Error(`the backup's audit log holds an entry that is not a record (${entry.malformed})`);
      yield entry;
    }
  }
}
