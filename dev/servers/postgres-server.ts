// A throwaway PostgreSQL 15 (Debian package) in a temp dir on a free loopback port: never the system's cluster.
// Password authentication (scram-sha-256), so DATABASE_URL carries a secret as it does in production.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../free-port';
import { registerTestSecret } from '../test-secrets';

const BIN = '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

export interface PostgresServer {
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres (the superuser). */
  url: string;
  /** The superuser's password, for tests that check it never reaches a log. */
  password: string;
  /** Creates an empty database on this server (owned by `owner`, else the superuser) and returns its superuser URL (a test's own tables, no cleanup). */
  createDatabase(name: string, owner?: string): Promise<string>;
  /** Creates a login role with a random password (registered as a test secret) and returns its URL for `database`. */
  createLogin(name: string, database: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  if (!existsSync(`${BIN}/postgres`)) throw new Error(`${BIN}/postgres is missing: apt-get install postgresql-15`);
  const dir = mkdtempSync(join(tmpdir(), 'audit-pg-'));
  // PostgreSQL refuses to run as root: as root, the cluster belongs to (and runs as) the postgres user.
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const password = registerTestSecret(randomBytes(18).toString('hex'));
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child!.once('exit', () => done()));
      child.kill('SIGINT'); // fast shutdown: clients are disconnected rather than waited for
      if (!(await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]))) child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    execFileSync(
      `${BIN}/initdb`,
      ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      {
        stdio: 'pipe',
        ...owner,
      },
    );
    child = spawn(
      `${BIN}/postgres`,
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...owner },
    );
    const keepTail = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-3000));
    child.stdout!.on('data', keepTail);
    child.stderr!.on('data', keepTail);
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    await waitForConnection(url, () => child!.exitCode === null);
    return {
      url,
      password,
      createDatabase: (name, owner) => createDatabase(url, name, owner),
      createLogin: (name, database) => createLogin(url, name, database),
      stop,
    };
  } catch (err) {
    await stop();
    const detail = (err as { stderr?: Buffer }).stderr?.toString() ?? output;
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n--- output tail ---\n${detail}`, { cause: err });
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

async function asSuperuser(serverUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function createDatabase(serverUrl: string, name: string, owner?: string): Promise<string> {
  for (const id of [name, owner ?? name]) {
    if (!IDENTIFIER.test(id)) throw new Error(`${JSON.stringify(id)}: lower-case letters, digits and _`);
  }
  await asSuperuser(serverUrl, `CREATE DATABASE ${name}${owner ? ` OWNER ${owner}` : ''}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

async function createLogin(serverUrl: string, name: string, database: string): Promise<string> {
  if (!IDENTIFIER.test(name)) throw new Error(`login ${JSON.stringify(name)}: lower-case letters, digits and _`);
  const password = registerTestSecret(randomBytes(12).toString('hex'));
  await asSuperuser(serverUrl, `CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
  const url = new URL(serverUrl);
  Object.assign(url, { username: name, password, pathname: `/${database}` });
  return url.href;
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function waitForConnection(url: string, isRunning: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning()) throw new Error('postgres exited');
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      await probe.query('SELECT 1');
      return;
    } catch {
      // not accepting connections yet
    } finally {
      await probe.end().catch(() => undefined);
    }
    await sleep(100);
  }
  throw new Error(`PostgreSQL on ${new URL(url).host} did not accept connections within ${START_TIMEOUT_MS / 1000} s`);
}
