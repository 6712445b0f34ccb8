// The report worker as a child process (`workers/main.ts`), so a test can SIGKILL it mid-step and start it again.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/config';

export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Everything the worker printed (JSON log lines), for diagnosis. */
  output(): string;
  /** SIGKILL: no shutdown, no drain, running activities abandoned. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

export function workerProcess(env: Record<string, string>): WorkerProcess {
  let child: ChildProcess | undefined;
  let log = '';
  const exited = (c: ChildProcess) =>
    new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  return {
    get pid() {
      return child?.pid;
    },
    output: () => log,
    async start() {
      // node itself (not the tsx launcher, which would be a parent in between), in a process group of its own.
      const c = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'workers', 'main.ts')], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, METRICS_PORT: '0', TEMPORAL_METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child = c;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker not ready after ${READY_TIMEOUT_MS} ms:\n${log.slice(-3000)}`)), READY_TIMEOUT_MS);
        const onData = (chunk: Buffer) => {
          log += chunk.toString('utf8');
          if (log.includes('"event":"worker_started"')) {
            clearTimeout(timer);
            resolve();
          }
        };
        c.stdout.on('data', onData);
        c.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
        c.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${log.slice(-3000)}`));
        });
      });
    },
    async kill() {
      if (!child) return;
      const c = child;
      // The whole group: the worker's Chromium dies with it, as it would with the pod.
      process.kill(-c.pid!, 'SIGKILL');
      await exited(c);
      // A start() during the wait has a new child: keep it.
      if (child === c) child = undefined;
    },
    async stop() {
      if (!child) return;
      const c = child;
      c.kill('SIGTERM');
      await exited(c);
      if (child === c) child = undefined;
    },
  };
}
