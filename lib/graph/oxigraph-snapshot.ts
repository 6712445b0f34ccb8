/**
 * The embedded store's snapshot: a plain N-Quads file whose first line, a comment, names it, so a journal can say which
 * snapshot it applies on top of. A file without that line (the format before the journal) loads as a snapshot too.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { Store } from 'oxigraph';

const HEADER = '# oxigraph-store snapshot ';
/** Id of a snapshot written before snapshots were named, and of no snapshot at all. */
export const UNNAMED_SNAPSHOT = 'unnamed';
const READ_CHUNK_BYTES = 4 * 2 ** 20;

export interface SnapshotInfo {
  id: string;
  bytes: number;
}

/**
 * Loads the file into `store` in one load (blank nodes keep their identity across graphs), read in chunks so a
 * snapshot larger than a JavaScript string still loads. Synchronous: this is start-up.
 */
export function loadSnapshot(file: string, store: Store): SnapshotInfo | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    let bytes = 0;
    let first: Buffer | undefined;
    function* chunks(): Generator<Buffer> {
      for (;;) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
        const read = readSync(fd, chunk, 0, chunk.length, null);
        if (read === 0) return;
        bytes += read;
        first ??= chunk.subarray(0, read);
        yield chunk.subarray(0, read);
      }
    }
    // The snapshot was written by oxigraph's own dump: re-validating its IRIs would only double the start-up time.
    store.load(chunks(), { format: 'application/n-quads', lenient: true });
    return { id: snapshotId(first), bytes };
  } finally {
    closeSync(fd);
  }
}

function snapshotId(start: Buffer | undefined): string {
  const line = start?.subarray(0, 200).toString('utf8').split('\n', 1)[0] ?? '';
  return line.startsWith(HEADER) ? line.slice(HEADER.length).trim() : UNNAMED_SNAPSHOT;
}

/** A new snapshot, written beside the old one and swapped in by `commit` (fsync + rename): never half a file. */
export class SnapshotWriter {
  readonly id = randomUUID();
  bytes = 0;

  private constructor(
    private readonly file: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(file: string): Promise<SnapshotWriter> {
    const temp = `${file}.${randomUUID()}.tmp`;
    const writer = new SnapshotWriter(file, temp, await open(temp, 'w'));
    await writer.append(`${HEADER}${writer.id}\n`);
    return writer;
  }

  async append(nquads: string): Promise<void> {
    await this.handle.appendFile(nquads, 'utf8');
    this.bytes += Buffer.byteLength(nquads);
  }

  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.temp, this.file);
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.temp, { force: true });
  }
}
