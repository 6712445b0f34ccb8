/** The one place that builds the ioredis client shared by the LLM cache and the usage ledger. */
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../logging';

/**
 * Connects at once, so a wrong URL shows at worker start. Few retries per command: while Redis is down a command
 * fails fast (the activity fails and Temporal retries it) instead of queueing for minutes.
 */
export function connectRedis(url: string, log: Logger = createLogger('warn')): Redis {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // ioredis reports every failed reconnect as an 'error' event; commands fail on their own, so this only logs.
  redis.on('error', (err: Error) => log.warn({ event: 'redis_error', error: err.message }, 'Redis connection error'));
  return redis;
}

/** QUIT lets pending replies arrive; when the connection is already gone it rejects, and disconnect() suffices. */
export async function quitRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
