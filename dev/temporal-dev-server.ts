// Starts `temporal server start-dev` from the pinned CLI and waits until it serves the namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES_FILE, TEMPORAL_BIN } from './paths';

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** True when this call started the server (false: one was already listening there). */
  owned: boolean;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file; in-memory when absent. */
  dbFile?: string;
  readyTimeoutMs?: number;
  /** Reuse a server that already answers on the port instead of failing. */
  reuseExisting?: boolean;
  /** Namespaces to register besides `default` (a cluster's operators create them once, before the chart). */
  namespaces?: readonly string[];
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined;
  if (opts.reuseExisting && (await namespaceReady(address))) {
    return { address, uiUrl, owned: false, stop: async () => {} };
  }
  const searchAttributes = JSON.parse(readFileSync(SEARCH_ATTRIBUTES_FILE, 'utf8')) as Record<string, string>;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--log-level',
    'error',
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...(opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
    ...Object.entries(searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  // The CLI picks its HTTP API port itself; another process may take it between its pick and its bind. That start
  // fails at once and a second one picks again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(args, address, uiUrl, deadline, opts.readyTimeoutMs ?? 120_000);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt === PORT_RACE_ATTEMPTS) throw err;
    }
  }
}

const PORT_RACE_ATTEMPTS = 3;

class PortTakenError extends Error {}

async function launch(args: string[], address: string, uiUrl: string | undefined, deadline: number, timeoutMs: number): Promise<DevServer> {
  const child = spawn(TEMPORAL_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  while (!(await namespaceReady(address))) {
    if (child.exitCode !== null) {
      const message = `temporal dev server exited (${child.exitCode}):\n${stderr}`;
      throw /failed listening for HTTP API .*address already in use/.test(stderr) ? new PortTakenError(message) : new Error(message);
    }
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`temporal dev server not ready on ${address} after ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { address, uiUrl, owned: true, stop: () => stopChild(child, exited) };
}

async function namespaceReady(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
