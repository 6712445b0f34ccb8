/**
 * The layout of a backup set in the backup store, and its manifest. A set `<id>` is the files under `<id>/`
 * (graph/, reports/, audit/) plus `manifests/<id>.json`, written last: a set without its manifest did not finish
 * and is never restored. The manifests live apart so that finding the sets lists a few small objects, not every
 * file of every set.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const MANIFEST_FORMAT = 'tax-reports-backup/1';
/** A part of a graph export or of the audit log: bounds what a backup or a restore holds in memory at once. */
export const PART_BYTES = 32 * 1024 * 1024;

const BACKUP_ID = /^\d{8}T\d{6}Z$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** UTC to the second, ISO 8601 basic format: sorts by time and is a valid object key segment. */
export function backupId(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function assertBackupId(id: string): string {
  if (!BACKUP_ID.test(id)) throw new TypeError(`not a backup id (YYYYMMDDTHHMMSSZ): ${JSON.stringify(id)}`);
  return id;
}

export const MANIFESTS = 'manifests/';
export const manifestKey = (id: string) => `${MANIFESTS}${assertBackupId(id)}.json`;
/** The backup store key of a file of set `id` (paths in the manifest are relative to the set). */
export const fileKey = (id: string, file: string) => `${assertBackupId(id)}/${file}`;

/** The id of each complete set among the keys under MANIFESTS, oldest first. */
export function completeSets(manifestKeys: Iterable<string>): string[] {
  const ids: string[] = [];
  for (const key of manifestKeys) {
    const id = key.slice(MANIFESTS.length, -'.json'.length);
    if (key.startsWith(MANIFESTS) && key.endsWith('.json') && BACKUP_ID.test(id)) ids.push(id);
  }
  return ids.sort();
}

export const graphPartFile = (graph: number, part: number) => `graph/${pad(graph, 6)}-${pad(part, 4)}.nq`;
export const auditPartFile = (part: number) => `audit/records-${pad(part, 4)}.jsonl`;
export const REPORTS_DIR = 'reports/';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Objects keep no content type in the filesystem store; the report store's kinds are known by name. */
export function contentTypeOf(key: string): string {
  if (key.endsWith('.pdf')) return 'application/pdf';
  if (key.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

/** `work` on each item, `size` at a time (copies of many small objects are round trips, best overlapped). */
export async function inBatches<T>(items: AsyncIterable<T> | Iterable<T>, size: number, work: (item: T) => Promise<void>): Promise<number> {
  let batch: T[] = [];
  let done = 0;
  const run = async () => {
    await Promise.all(batch.map(work));
    done += batch.length;
    batch = [];
  };
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) await run();
  }
  await run();
  return done;
}

/** The first of a listing, without reading the rest. */
export async function firstKey(keys: AsyncIterable<string>): Promise<string | undefined> {
  for await (const key of keys) return key;
  return undefined;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const link = z.object({ seq: z.number().int().positive(), hash: z.string().regex(SHA256) });
const fileEntry = z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(SHA256) });

export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    id: z.string().regex(BACKUP_ID),
    startedAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    /** Where the set came from, without credentials. */
    source: z.object({ graph: z.string(), reports: z.string(), audit: z.string() }),
    graphs: z.array(z.object({ iri: z.string(), statements: z.number().int().nonnegative(), files: z.array(z.string()) })),
    /** Every object of the report store, as stored (sealed objects stay sealed); its file is REPORTS_DIR + key. */
    reports: z.object({ objects: z.number().int().nonnegative() }),
    audit: z.object({
      records: z.number().int().nonnegative(),
      marks: z.object({ anchor: link.optional(), head: link.optional() }),
      files: z.array(z.string()),
    }),
    /** Every file of the set, by its path in the set. */
    files: z.record(z.string(), fileEntry),
  })
  .superRefine((m, ctx) => {
    const named = [...m.graphs.flatMap((g) => g.files), ...m.audit.files];
    for (const file of named) if (!(file in m.files)) ctx.addIssue({ code: 'custom', message: `${file} is not among the files` });
    const reports = Object.keys(m.files).filter((f) => f.startsWith(REPORTS_DIR)).length;
    if (reports !== m.reports.objects) ctx.addIssue({ code: 'custom', message: `${reports} report files for ${m.reports.objects} objects` });
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type FileEntry = z.infer<typeof fileEntry>;

/** Parses a stored manifest; a damaged or foreign one fails with what is wrong. */
export function parseManifest(text: string): Manifest {
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new TypeError(`not a backup manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * Text in chunks of whole lines, regrouped into parts of about `partBytes` (a part ends at a line end and exceeds
 * the size by less than one chunk), each with its number of lines. Nothing but the current part is held.
 */
export async function* linesInParts(chunks: AsyncIterable<string>, partBytes: number): AsyncGenerator<{ body: Buffer; lines: number }> {
  let pending: string[] = [];
  let bytes = 0;
  let lines = 0;
  const flush = () => {
    const part = { body: Buffer.from(pending.join(''), 'utf8'), lines };
    pending = [];
    bytes = 0;
    lines = 0;
    return part;
  };
  for await (const chunk of chunks) {
    if (chunk === '') continue;
    pending.push(chunk);
    bytes += Buffer.byteLength(chunk);
    for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) lines++;
    if (bytes >= partBytes) yield flush();
  }
  if (bytes > 0) yield flush();
}
