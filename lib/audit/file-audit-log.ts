/**
 * The audit log as JSON lines in one file, safe for several processes (console and workers) appending at once.
 * Beside it: `<file>.lock` (the cross-process lock), `<file>.head` (seq and hash of the newest record, so a
 * truncated tail shows), `<file>.anchor.json` (the last pruned record, written only by prune) and
 * `<file>.checkpoint.json` (the signed checkpoint, audit-checkpoint.ts).
 *
 * Memory stays bounded however long the log is: verify and prune read it forward in chunks, list reads it backwards
 * from the end, and a prune streams the kept lines into a new file renamed into place.
 */
import { mkdir, open, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../logging';
import {
  AuditLogNotEmptyError,
  type AuditEvent,
  type AuditLog,
  type AuditQuery,
  type AuditRecord,
  type ChainSnapshot,
  type CheckpointUse,
  type VerifyResult,
} from './audit-log';
import {
  buildRecord,
  linkOf,
  parseRecord,
  planPrune,
  verifyChain,
  type ChainEntry,
  type ChainLink,
  type ChainMarks,
  type PrunePlan,
} from './audit-chain';
import type { SignedCheckpoint } from './audit-checkpoint';
import { readIfExists, withLockFile, writePrivateFileAtomic } from '../storage/private-files';

const CHUNK_BYTES = 64 * 1024;

/** The log as it stood under the lock: open at that length, with its marks. */
interface Snapshot {
  handle?: FileHandle;
  size: number;
  marks: ChainMarks;
  /** Marks that exist but cannot be read: verification fails on them. */
  markProblems: string[];
}

export class FileAuditLog implements AuditLog {
  private readonly lockFile: string;
  private readonly headFile: string;
  private readonly anchorFile: string;
  /** Prune's anchor until the rewritten log is renamed into place (the commit point). */
  private readonly pendingAnchorFile: string;
  private readonly checkpointFile: string;
  private dirReady?: Promise<unknown>;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.lockFile = `${file}.lock`;
    this.headFile = `${file}.head`;
    this.anchorFile = `${file}.anchor.json`;
    this.pendingAnchorFile = `${file}.anchor.json.next`;
    this.checkpointFile = `${file}.checkpoint.json`;
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return this.locked(async () => {
      const handle = await open(this.file, 'a+', 0o600);
      try {
        const record = buildRecord(event, await this.lastLink(handle), this.now());
        await handle.write(`${JSON.stringify(record)}\n`);
        await handle.sync();
        await writePrivateFileAtomic(this.headFile, JSON.stringify(linkOf(record)));
        return record;
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * Reads backwards from the end without the lock, keeping only the page: only complete lines count, and unreadable
   * ones are left to verify. The cost is the bytes after the page's oldest record (for an old cursor or a rare
   * filter, most of the file), in time, never in memory.
   */
  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    const limit = query.limit ?? 100;
    const handle = await openIfExists(this.file);
    if (!handle) return [];
    try {
      const page: AuditRecord[] = [];
      for await (const { line } of readLinesBackwards(handle, (await handle.stat()).size)) {
        const e = parseLine(line);
        if ('malformed' in e || (query.beforeSeq !== undefined && e.seq >= query.beforeSeq)) continue;
        if ((query.action && e.action !== query.action) || (query.target !== undefined && e.target !== query.target)) continue;
        if (page.push(e) >= limit) break;
      }
      return page;
    } finally {
      await handle.close();
    }
  }

  /** The lock is held only to fix the snapshot: appends wait for the marks, not for the whole pass. */
  async verify(checkpoint?: CheckpointUse): Promise<VerifyResult> {
    const snapshot = await this.locked(() => this.openSnapshot());
    try {
      const verifier = await verifyChain(entriesOf(snapshot), { ...snapshot.marks, checkpoint: checkpoint?.expected });
      const verified = verifier.result();
      const result =
        snapshot.markProblems.length === 0 ? verified : { ...verified, ok: false, problems: [...snapshot.markProblems, ...verified.problems] };
      if (result.ok && checkpoint?.sign) await this.writeCheckpoint(checkpoint.sign(verifier.newest));
      return result;
    } finally {
      await snapshot.handle?.close();
    }
  }

  prune(before: Date, actor: string, checkpoint?: CheckpointUse): Promise<{ removed: number }> {
    return this.locked(async () => {
      const snapshot = await this.openSnapshot();
      try {
        if (snapshot.markProblems.length > 0)
          throw new Error(`refusing to prune an audit log that does not verify:\n  ${snapshot.markProblems.join('\n  ')}`);
        const marks = { ...snapshot.marks, checkpoint: checkpoint?.expected };
        const { plan, newest } = await planPrune(entriesOf(snapshot), marks, { before, actor, now: this.now() });
        if (plan) await this.rewrite(snapshot, plan);
        if (checkpoint?.sign) await this.writeCheckpoint(checkpoint.sign(newest));
        return { removed: plan?.removed ?? 0 };
      } finally {
        await snapshot.handle?.close();
      }
    });
  }

  async readCheckpoint(): Promise<SignedCheckpoint | undefined> {
    const text = await readIfExists(this.checkpointFile);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as SignedCheckpoint;
    } catch {
      // Not JSON: opening it fails on the signature like any other edit.
      return {} as SignedCheckpoint;
    }
  }

  /**
   * The lock is held only to fix the snapshot: the marks, and the log's length in the file now open. Appends only
   * add beyond that length and a prune renames a new file into place, so the bytes read afterwards do not change.
   */
  async exportChain<T>(consume: (snapshot: ChainSnapshot) => Promise<T>): Promise<T> {
    const snapshot = await this.locked(() => this.openSnapshot());
    async function* records(): AsyncGenerator<AuditRecord> {
      for await (const entry of entriesOf(snapshot)) {
        if ('malformed' in entry) throw new Error(`the audit log holds an entry that is not a record (${entry.malformed}): run npm run audit:verify`);
        yield entry;
      }
    }
    try {
      if (snapshot.markProblems.length > 0) throw new Error(snapshot.markProblems.join('; '));
      return await consume({ marks: snapshot.marks, records: records() });
    } finally {
      await snapshot.handle?.close();
    }
  }

  /** The records go to a temp file renamed into place, then the marks: a failed restore leaves no log behind. */
  importChain({ marks, records }: ChainSnapshot): Promise<{ records: number }> {
    return this.locked(async () => {
      const held = await Promise.all(
        [this.file, this.headFile, this.anchorFile].map((f) =>
          stat(f).then(
            (s) => s.size > 0,
            () => false,
          ),
        ),
      );
      if (held.some(Boolean)) throw new AuditLogNotEmptyError(`the audit log ${this.file} already holds records`);
      let count = 0;
      async function* lines(): AsyncGenerator<string> {
        for await (const record of records) {
          count++;
          yield JSON.stringify(record);
        }
      }
      await replaceWithLines(this.file, `${this.file}.restore.tmp`, lines());
      if (marks.anchor) await writePrivateFileAtomic(this.anchorFile, JSON.stringify(marks.anchor));
      if (marks.head) await writePrivateFileAtomic(this.headFile, JSON.stringify(marks.head));
      return { records: count };
    });
  }

  /** Nothing to release: every operation opens and closes its own handles. */
  async close(): Promise<void> {}

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    this.dirReady ??= mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await this.dirReady;
    return withLockFile(this.lockFile, fn, this.log);
  }

  /** Under the lock. The caller closes the handle. */
  private async openSnapshot(): Promise<Snapshot> {
    const handle = await openIfExists(this.file);
    try {
      const size = (await handle?.stat())?.size ?? 0;
      if (handle) await this.settlePendingAnchor(await firstEntry(handle, size));
      const markProblems: string[] = [];
      const readMark = (path: string, name: string) =>
        this.readLink(path).catch((err: Error) => {
          markProblems.push(`${name} ${path} is unreadable (${err.message})`);
          return undefined;
        });
      const marks = { anchor: await readMark(this.anchorFile, 'prune anchor'), head: await readMark(this.headFile, 'head mark') };
      return { handle, size, marks, markProblems };
    } catch (err) {
      await handle?.close();
      throw err;
    }
  }

  /** Under the lock: the kept lines as they are, then the `audit.pruned` record, into a new file renamed over the log. */
  private async rewrite(snapshot: Snapshot, plan: PrunePlan): Promise<void> {
    async function* kept(): AsyncGenerator<string> {
      let index = 0;
      for await (const line of readLines(snapshot.handle!, snapshot.size)) {
        if (index++ >= plan.removed) yield line;
      }
      yield JSON.stringify(plan.pruned);
    }
    // The log's rename is the commit point; settlePendingAnchor finishes the anchor's if the process dies in between.
    await replaceWithLines(this.file, `${this.file}.prune.tmp`, kept(), () =>
      writePrivateFileAtomic(this.pendingAnchorFile, JSON.stringify(plan.anchor)),
    );
    await rename(this.pendingAnchorFile, this.anchorFile);
    await writePrivateFileAtomic(this.headFile, JSON.stringify(linkOf(plan.pruned)));
    this.log.info({ removed: plan.removed, throughSeq: plan.anchor.seq }, 'audit log pruned');
  }

  private writeCheckpoint(checkpoint: SignedCheckpoint): Promise<void> {
    return writePrivateFileAtomic(this.checkpointFile, JSON.stringify(checkpoint));
  }

  /** A prune that died after renaming the log but before renaming its anchor is finished; one that died earlier is dropped. */
  private async settlePendingAnchor(first: ChainEntry | undefined): Promise<void> {
    const pending = await this.readLink(this.pendingAnchorFile).catch(() => null);
    if (pending === undefined) return;
    const committed = Boolean(pending && first && !('malformed' in first) && first.seq === pending.seq + 1 && first.prevHash === pending.hash);
    if (committed) await rename(this.pendingAnchorFile, this.anchorFile);
    else await unlink(this.pendingAnchorFile);
    this.log.warn({ committed }, 'settled the anchor of an interrupted audit log prune');
  }

  private async readLink(path: string): Promise<ChainLink | undefined> {
    const text = await readIfExists(path);
    if (text === undefined) return undefined;
    const link = JSON.parse(text) as Partial<ChainLink>;
    if (!Number.isSafeInteger(link.seq) || typeof link.hash !== 'string') throw new Error('not {seq, hash}');
    return { seq: link.seq!, hash: link.hash };
  }

  /**
   * The newest record's link, from the end of the file only. Bytes after the last newline are a write that
   * a crash cut short (each append writes its whole line at once and fsyncs before returning): they go.
   */
  private async lastLink(handle: FileHandle): Promise<ChainLink | undefined> {
    const { size } = await handle.stat();
    const { value: newest } = await readLinesBackwards(handle, size).next();
    const end = newest?.end ?? 0;
    if (end < size) {
      this.log.warn({ file: this.file, bytes: size - end }, 'cutting off an incomplete audit log line');
      await handle.truncate(end);
    }
    if (!newest) return undefined;
    const entry = parseLine(newest.line);
    if ('malformed' in entry)
      throw new Error(`cannot append to ${this.file}: its last line is not a record (${entry.malformed}); run npm run audit:verify`);
    return linkOf(entry);
  }
}

function parseLine(line: string): ChainEntry {
  try {
    return parseRecord(JSON.parse(line));
  } catch {
    return { malformed: 'not JSON' };
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function* entriesOf({ handle, size }: Snapshot): AsyncGenerator<ChainEntry> {
  if (!handle) return;
  for await (const line of readLines(handle, size)) yield parseLine(line);
}

async function firstEntry(handle: FileHandle, size: number): Promise<ChainEntry | undefined> {
  for await (const line of readLines(handle, size)) return parseLine(line);
  return undefined;
}

/** The complete lines in the first `size` bytes, read in chunks; the bytes after the last newline are not one. */
async function* readLines(handle: FileHandle, size: number): AsyncGenerator<string> {
  let pending = Buffer.alloc(0);
  for (let at = 0; at < size;) {
    const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - at));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
    if (bytesRead === 0) break;
    at += bytesRead;
    pending = Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
    let from = 0;
    for (let newline = pending.indexOf(0x0a); newline !== -1; newline = pending.indexOf(0x0a, from)) {
      yield pending.subarray(from, newline).toString('utf8');
      from = newline + 1;
    }
    pending = pending.subarray(from);
  }
}

/**
 * The complete lines in the first `size` bytes from the last to the first, each with the offset just past its
 * newline, read backwards in chunks; the bytes after the last newline are not a line.
 */
async function* readLinesBackwards(handle: FileHandle, size: number): AsyncGenerator<{ line: string; end: number }, undefined> {
  // `carry`: the bytes from the start of the last chunk read up to the newline that ends the line being assembled
  // (`lineEnd`, -1 until the last newline of the file is found).
  let carry = Buffer.alloc(0);
  let lineEnd = -1;
  for (let start = size; start > 0;) {
    const from = Math.max(0, start - CHUNK_BYTES);
    const chunk = Buffer.alloc(start - from);
    await handle.read(chunk, 0, chunk.length, from);
    start = from;
    const bytes = Buffer.concat([chunk, carry]);
    let end = bytes.length;
    for (let newline = bytes.lastIndexOf(0x0a, end - 1); newline !== -1; newline = newline > 0 ? bytes.lastIndexOf(0x0a, newline - 1) : -1) {
      if (lineEnd !== -1) yield { line: bytes.subarray(newline + 1, end).toString('utf8'), end: lineEnd + 1 };
      lineEnd = from + newline;
      end = newline;
    }
    carry = bytes.subarray(0, end);
  }
  if (lineEnd !== -1) yield { line: carry.toString('utf8'), end: lineEnd + 1 };
}

/**
 * Writes `lines` to `temp` in chunks, syncs it, runs `beforeCommit`, then renames it over `path` (the commit
 * point); on any failure the temp file goes and `path` is left as it was.
 */
async function replaceWithLines(path: string, temp: string, lines: AsyncIterable<string>, beforeCommit?: () => Promise<void>): Promise<void> {
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      let pending = '';
      for await (const line of lines) {
        pending += `${line}\n`;
        if (pending.length >= CHUNK_BYTES) {
          await handle.write(pending);
          pending = '';
        }
      }
      await handle.write(pending);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await beforeCommit?.();
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
