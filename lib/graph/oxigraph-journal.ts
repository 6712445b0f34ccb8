/**
 * The embedded store's write-ahead journal: every mutation, as it was applied in memory, appended as a framed record
 * next to the snapshot, so a write costs the size of the write on disk, not the size of the store.
 *
 * Frame: payload length (uint32 BE), CRC-32 of the payload (uint32 BE), payload = a JSON line of metadata, then the
 * body (N-Triples or SPARQL text). A crash mid-append leaves a short or mismatching last frame: reading stops there,
 * and the file is cut back to the last whole record.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, ftruncateSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export type JournalRecord =
  /** First record: the snapshot this journal applies on top of. */
  | { op: 'base'; snapshot: string }
  /** A slice of N-Triples loaded into `graph`, part of the multi-step write `tx`. */
  | { op: 'load'; tx: string; graph: string; text: string }
  /** A SPARQL update; on its own (committed as it stands) or a step of `tx`. */
  | { op: 'update'; tx?: string; sparql: string }
  | { op: 'commit'; tx: string }
  /** The write failed: the graphs it loaded into are dropped, as the live store did. */
  | { op: 'abort'; tx: string };

const FRAME_BYTES = 8;

export function encodeRecord(record: JournalRecord): Buffer {
  const { body, meta } = splitBody(record);
  const payload = Buffer.from(`${JSON.stringify(meta)}\n${body}`, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_BYTES);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([frame, payload]);
}

function splitBody(record: JournalRecord): { body: string; meta: object } {
  switch (record.op) {
    case 'load': {
      const { text, ...meta } = record;
      return { body: text, meta };
    }
    case 'update': {
      const { sparql, ...meta } = record;
      return { body: sparql, meta };
    }
    default:
      return { body: '', meta: record };
  }
}

function decodePayload(payload: Buffer): JournalRecord {
  const text = payload.toString('utf8');
  const newline = text.indexOf('\n');
  const meta = JSON.parse(text.slice(0, newline)) as JournalRecord;
  const body = text.slice(newline + 1);
  if (meta.op === 'load') return { ...meta, text: body };
  if (meta.op === 'update') return { ...meta, sparql: body };
  return meta;
}

export interface JournalRead {
  /** Bytes of whole, intact records; the file is cut back to this. */
  validBytes: number;
  /** Bytes after the last intact record (a torn or corrupt tail), dropped. */
  droppedBytes: number;
}

/**
 * Hands each intact record to `apply`, in order, synchronously (start-up). Stops at the first frame that is short, fails
 * its checksum or does not parse, and truncates the file there so later appends follow a whole record.
 */
export function readJournal(file: string, apply: (record: JournalRecord) => void): JournalRead {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const frame = Buffer.alloc(FRAME_BYTES);
    let at = 0;
    while (at + FRAME_BYTES <= size) {
      readSync(fd, frame, 0, FRAME_BYTES, at);
      const length = frame.readUInt32BE(0);
      if (at + FRAME_BYTES + length > size) break;
      const payload = Buffer.allocUnsafe(length);
      readSync(fd, payload, 0, length, at + FRAME_BYTES);
      if (crc32(payload) !== frame.readUInt32BE(4)) break;
      let record: JournalRecord;
      try {
        record = decodePayload(payload);
      } catch {
        break;
      }
      apply(record);
      at += FRAME_BYTES + length;
    }
    if (at < size) {
      ftruncateSync(fd, at);
      fsyncSync(fd);
    }
    return { validBytes: at, droppedBytes: size - at };
  } finally {
    closeSync(fd);
  }
}

/** A new journal holding only its base record, swapped in atomically (temp file + fsync + rename). */
export function resetJournal(file: string, snapshot: string): number {
  const bytes = encodeRecord({ op: 'base', snapshot });
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  return bytes.length;
}

/**
 * Appends records in the order `append` is called (the order they were applied in memory); `flush` resolves once
 * every record appended so far is written and fsynced. A failed write fails every later flush: the file no longer
 * mirrors memory, so the store must not claim durability for anything after it.
 */
export class JournalAppender {
  private handle: Promise<FileHandle> | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    /** Size of the file when opened. */
    public bytes: number,
  ) {}

  append(record: JournalRecord): void {
    const data = encodeRecord(record);
    this.bytes += data.length;
    this.writes = this.writes.then(async () => (await this.fileHandle()).appendFile(data));
  }

  flush(): Promise<void> {
    const synced = this.writes.then(async () => (await this.fileHandle()).datasync());
    this.writes = synced;
    return synced;
  }

  async close(): Promise<void> {
    await this.writes.catch(() => {});
    await (await this.handle?.catch(() => undefined))?.close();
  }

  private fileHandle(): Promise<FileHandle> {
    this.handle ??= open(this.file, 'a');
    return this.handle;
  }
}
