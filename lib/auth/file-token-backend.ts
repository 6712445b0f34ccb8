/** API token records in one JSON file (local runs, the demo): owner-only, replaced atomically, changed under a lock file. */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withLockFile, writePrivateFileAtomic } from '../storage/private-files';
import type { ApiTokenBackend, ApiTokenRecord } from './api-token-backend';

interface TokenFile {
  tokens: ApiTokenRecord[];
}

export class FileTokenBackend implements ApiTokenBackend {
  private cache: { version: string; records: ApiTokenRecord[] } | undefined;

  constructor(private readonly file: string) {}

  async list(): Promise<ApiTokenRecord[]> {
    return structuredClone(await this.load());
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const record = (await this.load()).find((r) => r.id === id);
    return record && structuredClone(record);
  }

  insert(record: ApiTokenRecord): Promise<boolean> {
    return this.mutate((records) => {
      if (records.some((r) => r.id === record.id)) return false;
      records.push(structuredClone(record));
      return true;
    });
  }

  revoke(id: string, at: string): Promise<boolean> {
    return this.mutate((records) => {
      const record = records.find((r) => r.id === id);
      if (!record || record.revokedAt) return false;
      record.revokedAt = at;
      return true;
    });
  }

  async setLastUsed(id: string, at: string): Promise<void> {
    await this.mutate((records) => {
      const record = records.find((r) => r.id === id);
      if (record) record.lastUsedAt = at;
    });
  }

  async close(): Promise<void> {}

  /** The records, re-read only when the file was replaced (every write renames a new file into place). */
  private async load(): Promise<ApiTokenRecord[]> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const info = await handle.stat();
      const version = `${info.ino}:${info.mtimeMs}:${info.size}`;
      if (this.cache?.version !== version) this.cache = { version, records: parseFile(await handle.readFile('utf8')) };
      return this.cache.records;
    } finally {
      await handle.close();
    }
  }

  /** Read-modify-write under a lock file, so the CLI and a running console do not undo each other's changes. */
  private async mutate<T>(change: (records: ApiTokenRecord[]) => T): Promise<T> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    return withLockFile(`${this.file}.lock`, async () => {
      this.cache = undefined;
      const records = structuredClone(await this.load());
      const result = change(records);
      await writePrivateFileAtomic(this.file, `${JSON.stringify({ tokens: records } satisfies TokenFile, null, 2)}\n`);
      return result;
    });
  }
}

function parseFile(text: string): ApiTokenRecord[] {
  const parsed = JSON.parse(text) as Partial<TokenFile>;
  if (!Array.isArray(parsed.tokens)) throw new Error('API token file: expected {"tokens": [...]}');
  return parsed.tokens;
}
