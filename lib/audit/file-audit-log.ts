/**
 * The audit log as JSON lines in one file, safe for several processes (console and workers) appending at once.
 * Beside it: `<file>.lock` (the cross-process lock), `<file>.head` (seq and hash of the newest record, so a
 * truncated tail shows) and `<file>.anchor.json` (the last pruned record, written only by prune).
 */
import { mkdir, open, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../logging';
import { AuditLogNotEmptyError, type AuditEvent, type AuditLog, type AuditQuery, type AuditRecord, type ChainSnapshot, type VerifyResult } from './audit-log';
import { buildRecord, linkOf, parseRecord, planPrune, verifyChain, type ChainEntry, type ChainLink, type ChainMarks } from './audit-chain';
import { readIfExists, withLockFile, writePrivateFileAtomic } from '../storage/private-files';

const TAIL_CHUNK = 64 * 1024;

export class FileAuditLog implements AuditLog {
  private readonly lockFile: string;
  private readonly headFile: string;
  private readonly anchorFile: string;
  /** Prune's anchor until the rewritten log is renamed into place (the commit point). */
  private readonly pendingAnchorFile: string;
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

  /** Reads without the lock: only complete lines count, and unreadable ones are left to verify. */
  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    const limit = query.limit ?? 100;
    const matching = (await this.readEntries()).filter(
      (e): e is AuditRecord =>
        !('malformed' in e) && (!query.action || e.action === query.action) && (query.target === undefined || e.target === query.target),
    );
    return matching.slice(Math.max(0, matching.length - limit)).reverse();
  }

  verify(): Promise<VerifyResult> {
    return this.locked(async () => (await this.readChain()).verified);
  }

  prune(before: Date, actor: string): Promise<{ removed: number }> {
    return this.locked(async () => {
      const { entries, verified } = await this.readChain();
      const records = entries as AuditRecord[]; // planPrune refuses unless every entry verified as a record
      const plan = planPrune(records, verified, before, actor, this.now());
      if (!plan) return { removed: 0 };
      const kept = [...records.slice(plan.removed), plan.pruned];
      // The log's rename is the commit point; settlePendingAnchor finishes the anchor's if the process dies in between.
      await writePrivateFileAtomic(this.pendingAnchorFile, JSON.stringify(plan.anchor));
      await writePrivateFileAtomic(this.file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await rename(this.pendingAnchorFile, this.anchorFile);
      await writePrivateFileAtomic(this.headFile, JSON.stringify(linkOf(plan.pruned)));
      this.log.info({ removed: plan.removed, throughSeq: plan.anchor.seq }, 'audit log pruned');
      return { removed: plan.removed };
    });
  }

  /**
   * The lock is held only to fix the snapshot: the marks, and the log's length in the file now open. Appends only
   * add beyond that length and a prune renames a new file into place, so the bytes read afterwards do not change.
   */
  async exportChain<T>(consume: (snapshot: ChainSnapshot) => Promise<T>): Promise<T> {
    const { handle, size, marks } = await this.locked(async () => {
      const handle = await open(this.file, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      const size = (await handle?.stat())?.size ?? 0;
      if (handle) await this.settlePendingAnchor((await readLines(handle, size).next()).value);
      return { handle, size, marks: { anchor: await this.readLink(this.anchorFile), head: await this.readLink(this.headFile) } };
    });
    async function* records(): AsyncGenerator<AuditRecord> {
      if (!handle) return;
      for await (const entry of readLines(handle, size)) {
        if ('malformed' in entry) throw new Error(`the audit log holds an entry that is not a record (${entry.malformed}): run npm run audit:verify`);
        yield entry;
      }
    }
    try {
      return await consume({ marks, records: records() });
    } finally {
      await handle?.close();
    }
  }

  /** The records go to a temp file renamed into place, then the marks: a failed restore leaves no log behind. */
  importChain({ marks, records }: ChainSnapshot): Promise<{ records: number }> {
    return this.locked(async () => {
      const held = await Promise.all([this.file, this.headFile, this.anchorFile].map((f) => stat(f).then((s) => s.size > 0, () => false)));
      if (held.some(Boolean)) throw new AuditLogNotEmptyError(`the audit log ${this.file} already holds records`);
      const temp = `${this.file}.restore.tmp`;
      let count = 0;
      try {
        const handle = await open(temp, 'w', 0o600);
        try {
          let pending = '';
          for await (const record of records) {
            pending += `${JSON.stringify(record)}\n`;
            count++;
            if (pending.length >= TAIL_CHUNK) {
              await handle.write(pending);
              pending = '';
            }
          }
          await handle.write(pending);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, this.file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
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

  /** Under the lock: the records, and what verification makes of them and of the marks. */
  private async readChain(): Promise<{ entries: ChainEntry[]; verified: VerifyResult }> {
    const entries = await this.readEntries();
    await this.settlePendingAnchor(entries[0]);
    const markProblems: string[] = [];
    const readMark = (path: string, name: string) =>
      this.readLink(path).catch((err: Error) => {
        markProblems.push(`${name} ${path} is unreadable (${err.message})`);
        return undefined;
      });
    const marks: ChainMarks = { anchor: await readMark(this.anchorFile, 'prune anchor'), head: await readMark(this.headFile, 'head mark') };
    const verified = verifyChain(entries, marks);
    if (markProblems.length === 0) return { entries, verified };
    return { entries, verified: { ...verified, ok: false, problems: [...markProblems, ...verified.problems] } };
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

  private async readEntries(): Promise<ChainEntry[]> {
    const text = (await readIfExists(this.file)) ?? '';
    // The text after the last newline is an append in progress (or cut short by a crash): not a record yet.
    return text.split('\n').slice(0, -1).map(parseLine);
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
    const { line, end } = await readLastLine(handle, size);
    if (end < size) {
      this.log.warn({ file: this.file, bytes: size - end }, 'cutting off an incomplete audit log line');
      await handle.truncate(end);
    }
    if (line === undefined) return undefined;
    const entry = parseLine(line);
    if ('malformed' in entry) throw new Error(`cannot append to ${this.file}: its last line is not a record (${entry.malformed}); run npm run audit:verify`);
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

/** The entries of the complete lines in the first `size` bytes, read in chunks; the bytes after the last newline are not one. */
async function* readLines(handle: FileHandle, size: number): AsyncGenerator<ChainEntry> {
  let pending = Buffer.alloc(0);
  for (let at = 0; at < size; ) {
    const chunk = Buffer.alloc(Math.min(TAIL_CHUNK, size - at));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
    if (bytesRead === 0) break;
    at += bytesRead;
    pending = Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
    for (let newline = pending.indexOf(0x0a); newline !== -1; newline = pending.indexOf(0x0a)) {
      yield parseLine(pending.subarray(0, newline).toString('utf8'));
      pending = pending.subarray(newline + 1);
    }
  }
}

/** The last newline-terminated line and the offset just past it, reading backwards from `size` in chunks. */
async function readLastLine(handle: FileHandle, size: number): Promise<{ line?: string; end: number }> {
  let tail = Buffer.alloc(0);
  for (let start = size; start > 0; ) {
    const from = Math.max(0, start - TAIL_CHUNK);
    const chunk = Buffer.alloc(start - from);
    await handle.read(chunk, 0, chunk.length, from);
    tail = Buffer.concat([chunk, tail]);
    start = from;
    const newline = tail.lastIndexOf(0x0a);
    if (newline === -1) continue;
    const previous = newline === 0 ? -1 : tail.lastIndexOf(0x0a, newline - 1);
    if (previous !== -1 || start === 0) return { line: tail.subarray(previous + 1, newline).toString('utf8'), end: start + newline + 1 };
  }
  return { end: 0 };
}
