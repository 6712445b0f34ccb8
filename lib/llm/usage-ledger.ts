/** The durable record of every LLM outcome, shared by all workers: the daily budget and the cost report read it. */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { assertPeriod, InvalidIdError } from '../domain/ids';
import { seoulDay } from '../domain/periods';
import type { Logger } from '../logging';
import { connectRedis, quitRedis } from './redis-client';

export interface UsageRecord {
  /**
   * Idempotency id: the same id recorded twice counts once (a retried activity re-recording its outcome).
   * e.g. `${workflowId}/${activityId}/${attempt}`
   */
  id: string;
  /** ISO instant */
  at: string;
  /** YYYY-MM-DD in Asia/Seoul: the budget's day */
  day: string;
  /** YYYY-MM: the report month */
  period: string;
  companyId: string;
  /** 'insights' | 'summary' | 'embeddings' ... */
  task: string;
  /** or 'offline' */
  model: string;
  /** a cache hit: tokens 0, usd 0 */
  cached: boolean;
  fallbackUsed: boolean;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  usd: number;
  /** true when tokens were estimated because the response had no usage */
  estimated: boolean;
  outcome: 'ok' | 'rejected' | 'failed';
}

type TokenCounts = Pick<UsageRecord, 'inputTokens' | 'cachedInputTokens' | 'outputTokens'>;

/** A record of one outcome at `now` (its instant and Asia/Seoul day); token counts default to 0. */
export function usageRecord(now: Date, fields: Omit<UsageRecord, 'at' | 'day' | keyof TokenCounts> & Partial<TokenCounts>): UsageRecord {
  return { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, ...fields, at: now.toISOString(), day: seoulDay(now) };
}

export interface UsageLedger {
  record(r: UsageRecord): Promise<void>;
  /** USD spent on a day (sum of usd over distinct ids). */
  spentOn(day: string): Promise<number>;
  /** All records of a report month. */
  recordsFor(period: string): Promise<UsageRecord[]>;
  close(): Promise<void>;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function assertDay(day: unknown): string {
  if (typeof day !== 'string' || !DAY.test(day)) {
    throw new InvalidIdError(`invalid day ${JSON.stringify(day)}: expected YYYY-MM-DD`);
  }
  return day;
}

/** Day and period become file names and Redis keys; usd is summed by the budget. */
function assertRecord(r: UsageRecord): void {
  assertDay(r.day);
  assertPeriod(r.period);
  if (typeof r.id !== 'string' || r.id === '') throw new InvalidIdError('a usage record needs a non-empty id');
  if (!Number.isFinite(r.usd) || r.usd < 0) throw new RangeError(`invalid usd ${r.usd} in usage record ${r.id}`);
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Oldest first, whichever order the store returned them in (ISO instants sort as strings). */
function byInstant(records: Iterable<UsageRecord>): UsageRecord[] {
  return [...records].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * JSON lines under dir: `<period>.jsonl` holds the records, `spend/<day>.jsonl` their {id, usd} so that spentOn reads
 * one small file. Each record is one appendFile (O_APPEND, one write), so processes on one host never interleave lines.
 */
export class FileUsageLedger implements UsageLedger {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async record(r: UsageRecord): Promise<void> {
    assertRecord(r);
    await mkdir(join(this.root, 'spend'), { recursive: true });
    // Spend first: a crash between the two writes over-counts the budget rather than under-counting it.
    await appendFile(this.spendPath(r.day), `${JSON.stringify({ id: r.id, usd: r.usd })}\n`);
    await appendFile(this.periodPath(r.period), `${JSON.stringify(r)}\n`);
  }

  async spentOn(day: string): Promise<number> {
    const lines = await readLatestById<{ id: string; usd: number }>(this.spendPath(day));
    return sum([...lines.values()].map((line) => line.usd));
  }

  async recordsFor(period: string): Promise<UsageRecord[]> {
    return byInstant((await readLatestById<UsageRecord>(this.periodPath(period))).values());
  }

  async close(): Promise<void> {}

  private spendPath(day: string): string {
    return join(this.root, 'spend', `${assertDay(day)}.jsonl`);
  }

  private periodPath(period: string): string {
    return join(this.root, `${assertPeriod(period)}.jsonl`);
  }
}

/** The lines of a JSON-lines file by id, the last line of an id winning; a missing file has none. */
async function readLatestById<T extends { id: string }>(path: string): Promise<Map<string, T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const byId = new Map<string, T>();
  for (const line of text.split('\n')) {
    const parsed = parseLine<T>(line);
    if (parsed !== undefined) byId.set(parsed.id, parsed);
  }
  return byId;
}

/** Empty (after the final newline) or torn (a write cut short by a crash, or still in progress): skipped. */
function parseLine<T>(line: string): T | undefined {
  if (line === '') return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

export const DEFAULT_USAGE_PREFIX = 'tax:llm:usage:';

/** A day hash outlives the month it falls in, so the budget and a late cost check can still read it. */
const DAY_TTL_SECONDS = 40 * 24 * 60 * 60;

/**
 * `<prefix>period:<period>` hashes id → record JSON and `<prefix>day:<day>` hashes id → usd: HSET by id makes a
 * re-recorded id count once, and one MULTI keeps both hashes in step. `ownsClient`: close() quits the client.
 */
export class RedisUsageLedger implements UsageLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = DEFAULT_USAGE_PREFIX,
    private readonly options: { ownsClient?: boolean } = {},
  ) {}

  async record(r: UsageRecord): Promise<void> {
    assertRecord(r);
    const dayKey = this.dayKey(r.day);
    const results = await this.redis
      .multi()
      .hset(this.periodKey(r.period), r.id, JSON.stringify(r))
      .hset(dayKey, r.id, String(r.usd))
      .expire(dayKey, DAY_TTL_SECONDS)
      .exec();
    const error = results?.find(([err]) => err)?.[0];
    if (error) throw error;
  }

  async spentOn(day: string): Promise<number> {
    return sum((await this.redis.hvals(this.dayKey(day))).map(Number));
  }

  async recordsFor(period: string): Promise<UsageRecord[]> {
    const values = await this.redis.hvals(this.periodKey(period));
    return byInstant(values.map((json) => JSON.parse(json) as UsageRecord));
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await quitRedis(this.redis);
  }

  private dayKey(day: string): string {
    return `${this.prefix}day:${assertDay(day)}`;
  }

  private periodKey(period: string): string {
    return `${this.prefix}period:${assertPeriod(period)}`;
  }
}

/** Redis (shared by all workers) when redisUrl is set, else files under dir (one host). */
export function createUsageLedger(options: { redisUrl?: string; dir: string; log?: Logger }): UsageLedger {
  return options.redisUrl
    ? new RedisUsageLedger(connectRedis(options.redisUrl, options.log), DEFAULT_USAGE_PREFIX, { ownsClient: true })
    : new FileUsageLedger(options.dir);
}
