/** Runs a throwaway RDF4J Server (war on jetty-runner, see scripts/provision-rdf4j.sh) on loopback. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpGraphStore } from '../../lib/graph/http-graph-store';
import { freePort } from '../free-port';

const TOOLS_DIR = resolve(__dirname, '../../.tools/rdf4j');
const WAR = join(TOOLS_DIR, 'rdf4j-http-server-5.0.3.war');
const JETTY_RUNNER = join(TOOLS_DIR, 'jetty-runner-9.4.58.v20250814.jar');
const REPOSITORY_ID = 'tax';
const START_TIMEOUT_MS = 120_000;
const OUTPUT_TAIL_CHARS = 4_000;

// RDF4J 5 repository config vocabulary. A memory store keeps test runs fast and leaves nothing behind; the native
// store (on disk, with a context-first index for the per-graph work) is what a benchmark of the server measures.
const repositoryConfig = (store: 'memory' | 'native') => `
PREFIX config: <tag:rdf4j.org,2023:config/>
[] a config:Repository ;
  config:rep.id "${REPOSITORY_ID}" ;
  config:rep.impl [
    config:rep.type "openrdf:SailRepository" ;
    config:sail.impl ${store === 'memory' ? '[ config:sail.type "openrdf:MemoryStore" ]' : '[ config:sail.type "openrdf:NativeStore" ; config:native.tripleIndexes "spoc,posc,cspo" ]'}
  ] .
`;

export interface Rdf4jServer {
  /** e.g. http://127.0.0.1:PORT/rdf4j-server/repositories/tax */
  repositoryUrl: string;
  /** e.g. http://127.0.0.1:PORT/rdf4j-server */
  baseUrl: string;
  /** The JVM's pid and data directory, for measuring its memory and disk. */
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** `heap` is the JVM -Xmx: the tests' months fit in the default, the 100,000-line bench needs more. `store`: see repositoryConfig. */
export async function startRdf4jServer({
  heap = '512m',
  store = 'memory',
}: { heap?: string; store?: 'memory' | 'native' } = {}): Promise<Rdf4jServer> {
  for (const file of [WAR, JETTY_RUNNER]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/provision-rdf4j.sh`);
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}/rdf4j-server`;
  const dataDir = await mkdtemp(join(tmpdir(), 'rdf4j-test-'));
  const java = spawn(
    'java',
    [
      `-Xmx${heap}`,
      `-Dorg.eclipse.rdf4j.appdata.basedir=${dataDir}`,
      '-jar',
      JETTY_RUNNER,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--path',
      '/rdf4j-server',
      WAR,
    ],
    // Own process group, so stop() also reaches anything java forks.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  java.stdout.on('data', keepTail);
  java.stderr.on('data', keepTail);
  const exited = new Promise<void>((done) => java.once('exit', () => done()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (running && java.pid !== undefined) {
      process.kill(-java.pid, 'SIGTERM');
      // Unref'd, so the grace timer does not hold the test process open after java is gone.
      const killed = await Promise.race([exited.then(() => true), sleep(10_000, false, { ref: false })]);
      if (!killed) process.kill(-java.pid, 'SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitUntilAnswering(`${baseUrl}/protocol`, () => running);
    const created = await fetch(`${baseUrl}/repositories/${REPOSITORY_ID}`, {
      method: 'PUT',
      headers: { 'content-type': 'text/turtle' },
      body: repositoryConfig(store),
    });
    if (!created.ok) throw new Error(`creating repository answered ${created.status}: ${await created.text()}`);
  } catch (err) {
    await stop();
    throw new Error(`RDF4J server did not start: ${(err as Error).message}\n--- server output tail ---\n${output}`, {
      cause: err,
    });
  }
  return { repositoryUrl: `${baseUrl}/repositories/${REPOSITORY_ID}`, baseUrl, pid: java.pid!, dataDir, stop };
}

async function waitUntilAnswering(url: string, isRunning: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning()) throw new Error('java exited');
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${START_TIMEOUT_MS / 1000} s`);
}

/** An HttpGraphStore on a fresh RDF4J server (default settings), and how to close both: for the stores' tests. */
export async function openRdf4jStore(): Promise<{ store: HttpGraphStore; dispose(): Promise<void> }> {
  const server = await startRdf4jServer();
  const store = new HttpGraphStore({ repositoryUrl: server.repositoryUrl, timeoutMs: 30_000 });
  return {
    store,
    async dispose() {
      await store.close();
      await server.stop();
    },
  };
}
