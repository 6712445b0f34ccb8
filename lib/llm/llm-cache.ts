/** Cache of validated LLM answers and embeddings (JSON values), on local files or shared in Redis. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging';
import { writeFileAtomic } from '../storage/fs-object-store';
import { connectRedis, quitRedis } from './redis-client';

export interface LlmCache {
  /** undefined when absent or expired */
  get<T>(key: string): Promise<T | undefined>;
  /** ttlMs 0 = never expires */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** sha256 hex of the JSON of its parts in order: e.g. cacheKey('insights', model, promptVersion, compactInput) */
export function cacheKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const CACHE_KEY = /^[0-9a-f]{64}$/;

/** Only cacheKey's hashes are accepted, so a key can never reach outside the cache directory or key prefix. */
function assertCacheKey(key: string): string {
  if (!CACHE_KEY.test(key)) throw new TypeError(`invalid LLM cache key ${JSON.stringify(key)}: expected a cacheKey() hash`);
  return key;
}

function assertTtl(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) throw new RangeError(`invalid ttlMs ${ttlMs}: expected an integer >= 0`);
  return ttlMs;
}

/** JSON.stringify gives undefined for undefined and functions: such a value could not be read back. */
function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`an LLM cache value must be JSON-serialisable, got ${typeof value}`);
  return json;
}

interface FileEntry {
  expiresAt: number | null;
  value: unknown;
}

/** One JSON file per key in a subdirectory named by the key's first 2 hex chars (256 shards keep directories small). */
export class FileLlmCache implements LlmCache {
  private readonly root: string;

  constructor(
    dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.root = resolve(dir);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const path = this.path(key);
    const entry = await readEntry(path);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      await unlink(path).catch(() => undefined);
      return undefined;
    }
    return entry.value as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const path = this.path(key);
    const expiresAt = assertTtl(ttlMs) === 0 ? null : this.now() + ttlMs;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, `{"expiresAt":${expiresAt},"value":${toJson(value)}}`);
  }

  async close(): Promise<void> {}

  private path(key: string): string {
    return join(this.root, assertCacheKey(key).slice(0, 2), `${key}.json`);
  }
}

/** A missing, unreadable-as-JSON or foreign-shaped file is a miss: the cache can always be recomputed. */
async function readEntry(path: string): Promise<FileEntry | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const entry: unknown = JSON.parse(text);
    return isFileEntry(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

function isFileEntry(entry: unknown): entry is FileEntry {
  if (typeof entry !== 'object' || entry === null || !('value' in entry) || !('expiresAt' in entry)) return false;
  return entry.expiresAt === null || typeof entry.expiresAt === 'number';
}

export const DEFAULT_CACHE_PREFIX = 'tax:llm:cache:';

/** Redis expires entries itself (PX). `ownsClient`: close() quits the client, for a client made by createLlmCache. */
export class RedisLlmCache implements LlmCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = DEFAULT_CACHE_PREFIX,
    private readonly options: { ownsClient?: boolean } = {},
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const text = await this.redis.get(this.prefix + assertCacheKey(key));
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const redisKey = this.prefix + assertCacheKey(key);
    const json = toJson(value);
    if (assertTtl(ttlMs) === 0) await this.redis.set(redisKey, json);
    else await this.redis.set(redisKey, json, 'PX', ttlMs);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await quitRedis(this.redis);
  }
}

/** Redis (shared by all workers) when redisUrl is set, else files under dir (one host). */
export function createLlmCache(options: { redisUrl?: string; dir: string; log?: Logger }): LlmCache {
  return options.redisUrl
    ? new RedisLlmCache(connectRedis(options.redisUrl, options.log), DEFAULT_CACHE_PREFIX, { ownsClient: true })
    : new FileLlmCache(options.dir);
}
