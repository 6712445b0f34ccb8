// What a cluster gives the chart, on loopback: the Temporal dev server, RDF4J Server (GraphDB's REST API) behind
// HTTP Basic auth as a secured GraphDB is, an S3-compatible server, an SMTP server, PostgreSQL and an
// OpenAI-compatible endpoint. `overlay` points the chart's values at them and nothing else; `secret` is the
// test's stand-in for the release's existing Secret.
import { randomBytes } from 'node:crypto';
import { narrativeReply, startFakeOpenAi, type FakeOpenAi } from '../servers/fake-openai';
import { startBasicAuthProxy, type BasicAuthProxy } from '../servers/basic-auth-proxy';
import { startPostgresServer, type PostgresServer } from '../servers/postgres-server';
import { startRdf4jServer, type Rdf4jServer } from '../servers/rdf4j-server';
import { S3_CREDENTIALS, startS3Server, type S3TestServer } from '../servers/s3-server';
import { startSmtpServer } from '../servers/smtp-server';
import { registerTestSecret } from '../test-secrets';
import { freePort } from '../free-port';
import { startDevServer, type DevServer } from '../temporal-dev-server';
import type { TestSecret } from './pod-spec';

export const NAMESPACE = 'tax-reports';
export const SECRET_NAME = 'tax-reports-secrets';
/** The chart's encryption.keyId default: the Secret holds that key. */
const KEY_ID = '2026-01';

export type SmtpServer = Awaited<ReturnType<typeof startSmtpServer>>;

export interface LocalServices {
  temporal: DevServer;
  rdf4j: Rdf4jServer;
  graphdb: BasicAuthProxy;
  s3: S3TestServer;
  smtp: SmtpServer;
  postgres: PostgresServer;
  llm: FakeOpenAi;
  overlay: object;
  secret: TestSecret;
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  rdf4jHeap?: string;
  rdf4jStore?: 'memory' | 'native';
}

export async function startLocalServices({ rdf4jHeap = '1g', rdf4jStore = 'memory' }: LocalServicesOptions = {}): Promise<LocalServices> {
  const stops: Array<() => Promise<unknown>> = [];
  const started = async <T extends { stop?: () => Promise<unknown>; close?: () => Promise<unknown> }>(p: Promise<T>): Promise<T> => {
    const s = await p;
    stops.push(() => (s.stop ?? s.close)!.call(s));
    return s;
  };
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const [temporal, rdf4j, s3, smtp, postgres, llm] = await Promise.all([
      started(startDevServer({ port: await freePort(), namespaces: [NAMESPACE] })),
      started(startRdf4jServer({ heap: rdf4jHeap, store: rdf4jStore })),
      started(startS3Server('tax-reports')),
      started(startSmtpServer()),
      started(startPostgresServer()),
      started(startFakeOpenAi()),
    ]);
    const graphdbUser = { username: `graph-${randomBytes(6).toString('hex')}`, password: registerTestSecret(randomBytes(18).toString('base64url')) };
    const graphdb = await started(startBasicAuthProxy(rdf4j.repositoryUrl, graphdbUser));
    const secret: TestSecret = {
      name: SECRET_NAME,
      data: {
        GRAPHDB_USERNAME: graphdbUser.username,
        GRAPHDB_PASSWORD: graphdbUser.password,
        SMTP_URL: smtp.url,
        OPENAI_API_KEY: registerTestSecret(`sk-topology-${randomBytes(12).toString('hex')}`),
        ...(await databaseLogins(postgres)),
        AUDIT_CHECKPOINT_KEY: registerTestSecret(randomBytes(32).toString('base64url')),
        CONSOLE_SESSION_SECRET: registerTestSecret(randomBytes(32).toString('base64url')),
        S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
        S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
        ENCRYPTION_KEYS: registerTestSecret(`${KEY_ID}:${randomBytes(32).toString('base64')}`),
      },
    };
    const overlay = {
      config: {
        TEMPORAL_ADDRESS: temporal.address,
        GRAPHDB_URL: graphdb.url,
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        S3_FORCE_PATH_STYLE: true,
        OPENAI_BASE_URL: llm.baseURL,
      },
    };
    return { temporal, rdf4j, graphdb, s3, smtp, postgres, llm, overlay, secret, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The database as the DBA prepares it for the chart (helm/tax-reports/README.md, "Database roles"): an owner login
 * owning the database, and a login per role under the chart's default names; the setup Job's db:setup grants them.
 */
async function databaseLogins(postgres: PostgresServer): Promise<Record<string, string>> {
  const database = 'tax_reports';
  const login = (role: string) => postgres.createLogin(`tax_reports_${role}`, database);
  const owner = await login('owner');
  await postgres.createDatabase(database, 'tax_reports_owner');
  return {
    DATABASE_OWNER_URL: owner,
    DATABASE_URL_CONSOLE: await login('console'),
    DATABASE_URL_WORKER: await login('worker'),
    DATABASE_URL_AUDIT: await login('audit'),
    DATABASE_URL_BACKUP: await login('backup'),
  };
}

/** Every model of the chains answers with a narrative built from its prompt, after `delayMs` (a model's latency). */
export function scriptModels(llm: FakeOpenAi, models: readonly string[], delayMs = 0): void {
  for (const model of models) {
    llm.script(model, (_, request) => ({ delayMs, text: narrativeReply(request), usage: { prompt_tokens: 700, completion_tokens: 150 } }));
  }
}
