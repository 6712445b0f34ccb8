/**
 * Writes one backup set (backup-set.ts) of the three stores a restore needs: every named graph as N-Quads, every
 * object of the report store as stored, and the audit log's chain with its marks. Everything is streamed in parts,
 * and the manifest comes last, so a backup that fails halfway leaves a set that restore refuses.
 */
import type { AuditLog } from '../audit/audit-log';
import type { GraphStore } from '../graph/graph-store';
import type { ObjectStore } from '../storage/object-store';
import {
  MANIFEST_FORMAT,
  PART_BYTES,
  REPORTS_DIR,
  auditPartFile,
  backupId,
  contentTypeOf,
  fileKey,
  firstKey,
  graphPartFile,
  inBatches,
  linesInParts,
  manifestKey,
  sha256,
  type FileEntry,
  type Manifest,
} from './backup-set';

export interface BackupSources {
  graph: GraphStore;
  /** The report store without decryption: sealed objects are copied sealed, and the backup needs no keys. */
  reports: ObjectStore;
  audit: AuditLog;
  /** Where each store is, without credentials, for the manifest. */
  describe: Manifest['source'];
}

export interface BackupOptions {
  now?: () => Date;
  partBytes?: number;
  /** Report objects copied at once (round trips to S3 dominate a copy of many small objects). */
  copyConcurrency?: number;
}

export class BackupExistsError extends Error {
  override readonly name = 'BackupExistsError';
}

export async function createBackup(sources: BackupSources, backups: ObjectStore, options: BackupOptions = {}): Promise<Manifest> {
  const { now = () => new Date(), partBytes = PART_BYTES, copyConcurrency = 16 } = options;
  const started = now();
  const id = backupId(started);
  if ((await backups.exists(manifestKey(id))) || (await firstKey(backups.list(`${id}/`))) !== undefined) {
    throw new BackupExistsError(`backup ${id} already exists; start the next one in a second`);
  }
  const files: Record<string, FileEntry> = {};
  const write = async (file: string, body: Buffer, contentType: string) => {
    await backups.put(fileKey(id, file), body, contentType);
    files[file] = { bytes: body.length, sha256: sha256(body) };
  };
  /** Parts of whole lines; the number of lines in all of them. */
  const writeParts = async (chunks: AsyncIterable<string>, fileOf: (part: number) => string, contentType: string) => {
    const written: string[] = [];
    let lines = 0;
    for await (const part of linesInParts(chunks, partBytes)) {
      const file = fileOf(written.length + 1);
      await write(file, part.body, contentType);
      written.push(file);
      lines += part.lines;
    }
    return { files: written, lines };
  };

  // Sorted, so the same graph gets the same file name in every set.
  const graphs: Manifest['graphs'] = [];
  for (const [index, iri] of (await sources.graph.listGraphs()).sort().entries()) {
    const { files: parts, lines } = await writeParts(sources.graph.exportGraph(iri), (part) => graphPartFile(index + 1, part), 'application/n-quads');
    graphs.push({ iri, statements: lines, files: parts });
  }

  const objects = await inBatches(sources.reports.list(''), copyConcurrency, async (key) =>
    write(`${REPORTS_DIR}${key}`, await sources.reports.get(key), contentTypeOf(key)),
  );

  const audit = await sources.audit.exportChain(async ({ marks, records }) => {
    async function* lines() {
      for await (const record of records) yield `${JSON.stringify(record)}\n`;
    }
    const { files: parts, lines: count } = await writeParts(lines(), auditPartFile, 'application/x-ndjson');
    return { records: count, marks, files: parts };
  });

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    id,
    startedAt: started.toISOString(),
    createdAt: now().toISOString(),
    source: sources.describe,
    graphs,
    reports: { objects },
    audit,
    files,
  };
  await backups.put(manifestKey(id), `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  return manifest;
}
