/** ObjectStore on a local directory. Writes are atomic (temp file + rename): readers see the old object or the new one, never half of one. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ObjectNotFoundError, parseObjectKey, type ObjectStore } from './object-store';

export class FsObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = resolve(rootDir);
  }

  /** The file system has no content types; the parameter is there for stores that keep one. */
  async put(key: string, body: Buffer | string, _contentType: string): Promise<void> {
    const path = this.localPath(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, body);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.localPath(key));
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.localPath(key))).isFile();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncGenerator<string> {
    // Only the directory the prefix names is walked, not the whole store.
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = dir === '' ? this.root : join(this.root, ...parseObjectKey(dir.slice(0, -1)));
    for await (const key of walk(start, dir)) if (key.startsWith(prefix)) yield key;
  }

  localPath(key: string): string {
    return join(this.root, ...parseObjectKey(key));
  }
}

/** The keys below `dir`, sorted within each directory. Dot entries are the store's temp files, not objects. */
async function* walk(dir: string, keyPrefix: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (isNotFound(err)) return [];
    throw err;
  });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) yield* walk(join(dir, entry.name), `${keyPrefix}${entry.name}/`);
    else if (entry.isFile()) yield `${keyPrefix}${entry.name}`;
  }
}

/** Temp file in the target's directory (same file system, so rename is atomic), fsynced before the rename. */
export async function writeFileAtomic(path: string, body: Buffer | string, mode = 0o666): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
