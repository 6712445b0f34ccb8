// File primitives for the audit log and the API tokens: owner-only (0600) files, atomic replacement, and a lock shared across processes.
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging';
import { writeFileAtomic } from './fs-object-store';

const LOCK_WAIT_MS = 10_000;
/** Appends and prunes take milliseconds to seconds; a lock this old was left by a process that died. */
const STALE_LOCK_MS = 30_000;

/** Created 0600, so the file is readable by its owner only from its first byte. */
export async function writePrivateFileAtomic(path: string, body: string): Promise<void> {
  await writeFileAtomic(path, body, 0o600);
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Runs `fn` while holding `lock` (created with O_EXCL), so that processes sharing the file take turns. */
export async function withLockFile<T>(lock: string, fn: () => Promise<T>, log?: Logger): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) {
        log?.warn({ lock, ageMs: Math.round(age) }, 'taking over a stale lock');
        await unlink(lock).catch(() => undefined);
      } else if (Date.now() > deadline) {
        throw new Error(`${lock} is held by another process`);
      } else {
        await sleep(5 + Math.random() * 15);
      }
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
