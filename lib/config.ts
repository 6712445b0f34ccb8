import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_MAX_QUADS } from './graph/quad-budget';
import { smtpUrlProblem } from './mail/smtp-tls';
import { isLoopbackHost } from './security/loopback-host';

/**
 * Every setting the workers and scripts read, validated once at start-up.
 * Relative paths resolve against the project root so commands work from any cwd.
 */
const PROJECT_ROOT = path.resolve(__dirname, '..');

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const optionalUrl = optionalString.pipe(z.url().optional());
const dir = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((p) => path.resolve(PROJECT_ROOT, p));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const modelChain = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[\w.:/-]+$/, 'model names are [A-Za-z0-9_.:/-]')).min(1, 'name at least one model'));
/** A key prefix in a bucket: '' or segments that object keys allow, each ending in '/'. */
const s3Prefix = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((p) => p === '' || /^([A-Za-z0-9_-][A-Za-z0-9_.-]*\/)+$/.test(p), 'segments of [A-Za-z0-9_-.] not starting with ".", each ending in /');
/** A PostgreSQL login name as db:setup quotes it: lower case, so it is spelled the same quoted or not. */
const databaseRole = optionalString.pipe(
  z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a role name of [a-z0-9_]')
    .optional(),
);
const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** `90s`, `15m`, `24h`, `7d` or plain milliseconds, as milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const match = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'a duration like 90s, 15m, 24h, 7d, or milliseconds' });
        return z.NEVER;
      }
      return Number(match[1]) * DURATION_UNIT_MS[(match[2] ?? 'ms') as keyof typeof DURATION_UNIT_MS];
    });

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Workflows and the graph/delivery activities; LLM and render work go to `<TASK_QUEUE>-llm` and `-render`. */
  TASK_QUEUE: z.string().default('tax-reports'),
  /** Which task queues this process polls: one Deployment per role in production, all three locally. */
  WORKER_ROLE: z.enum(['all', 'orchestration', 'llm', 'render']).default('all'),
  /** Worker Deployment versioning: with both set, workflows stay pinned to the build that started them. */
  WORKER_DEPLOYMENT_NAME: optionalString,
  WORKER_BUILD_ID: optionalString,
  /** A workflow bundle prebuilt at image build time (scripts/build-workflow-bundle.ts). */
  WORKFLOW_BUNDLE_PATH: optionalString,
  /** Company workflows the scheduled batch runs at once: ~85 reports/min on 2 cores already at 16 (docs/performance.md). */
  BATCH_CONCURRENCY: positiveInt(16),
  /** How long a company's report waits for a ledger that has not arrived before it tells the admin. */
  LEDGER_WAIT: duration('72h'),
  /**
   * Which reports wait for a tax accountant's approval before they are sent: `none`, `all`, or company ids
   * (comma-separated). A company.json may also ask for it (`reviewRequired: true`).
   */
  REVIEW_REQUIRED: z
    .string()
    .default('none')
    .transform((s) => s.trim())
    .pipe(z.union([z.enum(['none', 'all']), z.string().regex(/^[^,\s][^,]*(,[^,]+)*$/, 'none, all, or company ids separated by commas')]))
    .transform((s) => (s === 'none' || s === 'all' ? s : s.split(',').map((id) => id.trim()))),
  /** How long a report waits for approval before the admin is told and REVIEW_DEADLINE_POLICY applies. */
  REVIEW_DEADLINE: duration('72h'),
  /** At the deadline: `hold` keeps waiting for an approval (the admin was told); `send` sends the draft as it is. */
  REVIEW_DEADLINE_POLICY: z.enum(['hold', 'send']).default('hold'),
  /** A finding marked 오탐 is raised again only when its amount grows by more than this share (0.2 = 20%). */
  FALSE_POSITIVE_MARGIN: z.coerce.number().min(0).max(10).default(0.2),

  ERP_DATA_DIR: dir('.data/erp'),
  REPORT_STORE_DIR: dir('.data/reports'),
  /** With a bucket, reports and findings go to S3-compatible object storage instead of REPORT_STORE_DIR. */
  S3_BUCKET: optionalString,
  S3_REGION: z.string().default('ap-northeast-2'),
  S3_ENDPOINT: optionalUrl,
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  S3_PREFIX: s3Prefix(''),
  S3_SSE: z.enum(['AES256', 'aws:kms']).default('AES256'),
  S3_KMS_KEY_ID: optionalString,
  /** Static credentials; without them the standard AWS chain (env, web identity, instance role) applies. */
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_TIMEOUT_MS: positiveInt(30_000),
  /**
   * Where `npm run backup` writes its sets and `npm run restore` reads them: a bucket of its own (same endpoint,
   * region and credentials as the report store's S3_* settings) under BACKUP_S3_PREFIX, else BACKUP_DIR.
   */
  BACKUP_DIR: dir('.data/backups'),
  BACKUP_S3_BUCKET: optionalString,
  BACKUP_S3_PREFIX: s3Prefix('backups/'),
  OUTBOX_DIR: dir('.data/outbox'),
  STANDARD_CHART: dir('ontology/accounts.csv'),
  SHAPES_DIR: dir('shapes'),
  /** Law articles and the rules citing them, loaded into the graph's reference graph for grounding. */
  LAW_ARTICLES_FILE: dir('ontology/law-articles.ttl'),

  /** https:// unless the server is on loopback: the graph holds every client's ledgers. */
  GRAPHDB_URL: optionalUrl,
  /** http:// to another host all the same, where the network itself encrypts (a service mesh with mTLS); logged at start. */
  GRAPHDB_ALLOW_INSECURE: z.stringbool().default(false),
  GRAPHDB_USERNAME: optionalString,
  GRAPHDB_PASSWORD: optionalString,
  GRAPHDB_TOKEN: optionalString,
  GRAPHDB_TIMEOUT_MS: positiveInt(30_000),
  /** Embedded store only: its N-Quads snapshot; every write is journaled beside it (`<file>.journal`). */
  GRAPH_PERSIST_FILE: optionalString.transform((p) => (p ? path.resolve(PROJECT_ROOT, p) : undefined)),
  /** Embedded store only: quads it may hold (~255 bytes of RSS each) before it refuses writes and points at GRAPHDB_URL. */
  GRAPH_EMBEDDED_MAX_QUADS: positiveInt(DEFAULT_MAX_QUADS),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  /** Per task, a fallback chain (strongest first): the strong model for insights, the cheap one for summaries. */
  LLM_INSIGHT_MODELS: modelChain('gpt-4.1,gpt-4.1-mini'),
  LLM_SUMMARY_MODELS: modelChain('gpt-4.1-mini,gpt-4o-mini'),
  /** With an embeddings model, articles and memos are also searched semantically for the prompt. */
  /** The chain that reads a question into an intent of the knowledge-graph catalogue (lib/ask); offline: the matcher. */
  LLM_QUESTION_MODELS: modelChain('gpt-4.1-mini,gpt-4o-mini'),
  LLM_EMBEDDING_MODEL: optionalString,
  LLM_TIMEOUT_MS: positiveInt(60_000),
  /** Cache lifetimes of answers (same company-month input) and embeddings; 0 = no expiry. */
  LLM_CACHE_TTL_SUMMARY: duration('24h'),
  LLM_CACHE_TTL_INSIGHTS: duration('1h'),
  LLM_CACHE_TTL_EMBEDDINGS: duration('0'),
  LLM_CACHE_TTL_QUESTION: duration('24h'),
  LLM_CACHE_DIR: dir('.data/llm-cache'),
  /** The LLM call ledger (budget and cost report) when there is no Redis. */
  LLM_USAGE_DIR: dir('.data/llm-usage'),
  /** Shared cache and call ledger for all workers; without it, files under .data/. */
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  /** Daily spend (Asia/Seoul day): a warning at the soft limit; at the hard one, only the cheapest model or none. */
  LLM_BUDGET_SOFT_USD: z.coerce.number().nonnegative().default(10),
  LLM_BUDGET_HARD_USD: z.coerce.number().nonnegative().default(30),
  LLM_BUDGET_HARD_ACTION: z.enum(['cheapest', 'offline']).default('cheapest'),
  /** The LLM task queue's rate for all its workers together (the provider's limit), and each worker's concurrency. */
  LLM_MAX_ACTIVITIES_PER_SECOND: z.coerce.number().positive().default(5),
  LLM_MAX_CONCURRENT: positiveInt(16),
  LLM_PRICES_FILE: dir('config/llm-prices.json'),

  /** `smtps://…:465` or `smtp://…:587` with STARTTLS required; no cleartext, no unverified server (lib/mail/smtp-tls.ts). */
  SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/ }).optional()),
  /** A relay on loopback only: send in cleartext when it offers no STARTTLS (a developer's mail catcher); logged at start. */
  SMTP_ALLOW_PLAINTEXT: z.stringbool().default(false),
  MAIL_FROM: z.email().default('reports@tax-firm.example'),
  ADMIN_EMAIL: z.email().default('admin@tax-firm.example'),
  FIRM_NAME: z.string().default('한결세무법인'),
  DEFAULT_ADVISOR: z.string().default('담당 세무사'),

  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  RENDER_MAX_PAGES: positiveInt(2),
  /** The worker's own metrics (GET /metrics, /healthz); 0 turns the endpoint off. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** The Temporal SDK's Prometheus metrics (task-queue latencies, slots, poll results); 0 turns them off. */
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /** Standard OpenTelemetry variables; spans are exported over OTLP/HTTP only when an endpoint is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().default('tax-reports'),
  /** The operations console (`npm run console`): listen address, and the key that signs its session cookies. */
  /** Questions to the knowledge graph (lib/ask): rows an answer shows at most, and each query's deadline. */
  ASK_MAX_ROWS: positiveInt(200),
  ASK_TIMEOUT_MS: positiveInt(10_000),
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The console's /metrics and /healthz, apart from its public port; 0 turns them off. */
  CONSOLE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
  /** At least 32 characters; unset = a random key per process (everyone signs in again after a restart). */
  CONSOLE_SESSION_SECRET: optionalString.pipe(z.string().min(32, 'at least 32 characters').optional()),
  CONSOLE_SESSION_TTL: duration('8h'),
  /**
   * Secure `__Host-` cookies and HSTS. On by default, and required unless the console listens on a loopback
   * address only (a developer's machine): a session cookie must never cross a network in cleartext.
   */
  CONSOLE_SECURE_COOKIES: z.stringbool().optional(),
  /**
   * Which proxies in front of the console may name the client in X-Forwarded-For (the sign-in limit and the audit
   * log use it): `false`, a hop count (`1` behind the ingress controller), or their addresses/CIDRs. `true`, which
   * would trust any sender's header, is refused.
   */
  CONSOLE_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((s, ctx) => trustedProxies(s, ctx)),
  /** Failed sign-ins per client address (and per API token id) within LOGIN_WINDOW before 429. */
  LOGIN_MAX_FAILURES: positiveInt(5),
  LOGIN_WINDOW: duration('15m'),
  /** Hashed API tokens (`npm run console:token`) without DATABASE_URL; with it, the `console_api_tokens` table. */
  API_TOKENS_FILE: dir('.data/console/api-tokens.json'),
  /** OIDC bearer JWTs: issuer and audience checked, signature verified against the JWKS. */
  OIDC_ISSUER: optionalUrl,
  OIDC_AUDIENCE: optionalString,
  OIDC_JWKS_URL: optionalUrl,
  /** Claim holding the role (a string or an array of strings; the highest known role wins). */
  OIDC_ROLE_CLAIM: z.string().default('roles'),
  /** Optional claim listing the company ids a user may see; absent = all companies. */
  OIDC_COMPANIES_CLAIM: optionalString,

  /** Audit log: hash-chained JSON lines in this file, or the `audit_log` table when DATABASE_URL is set. */
  AUDIT_LOG_FILE: dir('.data/audit/audit.jsonl'),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  AUDIT_RETENTION: duration('365d'),
  /**
   * Signs the audit chain's checkpoint (lib/audit/audit-checkpoint.ts): given to the audit job only, never to the
   * database or the app roles. Set, audit:verify and audit:prune check the chain against the last checkpoint and
   * sign a new one; a checkpoint older than AUDIT_CHECKPOINT_MAX_AGE fails verification.
   */
  AUDIT_CHECKPOINT_KEY: optionalString.pipe(z.string().min(32, 'at least 32 characters').optional()),
  AUDIT_CHECKPOINT_MAX_AGE: duration('3d'),
  /**
   * `npm run db:setup` only (never an app process): the login that owns the tables and functions, and the logins
   * it grants each role's privileges to (lib/storage/pg-roles.ts). Each app process gets its own role's DATABASE_URL.
   */
  DATABASE_OWNER_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_CONSOLE_ROLE: databaseRole,
  DATABASE_WORKER_ROLE: databaseRole,
  DATABASE_AUDIT_ROLE: databaseRole,
  DATABASE_BACKUP_ROLE: databaseRole,

  /**
   * Envelope encryption of reports, findings and raw ERP files at rest (filesystem store):
   * `kid:base64key,kid2:base64key` (32-byte keys); new objects use ENCRYPTION_KEY_ID, older ids stay readable.
   */
  ENCRYPTION_KEYS: optionalString,
  ENCRYPTION_KEY_ID: optionalString,
  /** A module exporting `createKeyWrapper(config)`, for a KMS instead of ENCRYPTION_KEYS. */
  ENCRYPTION_KMS_MODULE: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Also append the JSON lines, from LOG_FILE_LEVEL up, to this file (npm test checks it for leaked secrets). */
  LOG_FILE: optionalString.transform((p) => (p ? path.resolve(PROJECT_ROOT, p) : undefined)),
  LOG_FILE_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('debug'),
});

export type AppConfig = Omit<z.infer<typeof envSchema>, 'CONSOLE_SECURE_COOKIES'> & { CONSOLE_SECURE_COOKIES: boolean };

export type WorkerRole = AppConfig['WORKER_ROLE'];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parse the environment; a bad value fails with one line per offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema
    .refine((c) => Boolean(c.WORKER_DEPLOYMENT_NAME) === Boolean(c.WORKER_BUILD_ID), {
      message: 'set both or neither of WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID',
      path: ['WORKER_BUILD_ID'],
    })
    .refine((c) => c.LLM_BUDGET_SOFT_USD <= c.LLM_BUDGET_HARD_USD, {
      message: 'LLM_BUDGET_SOFT_USD must not exceed LLM_BUDGET_HARD_USD',
      path: ['LLM_BUDGET_SOFT_USD'],
    })
    .refine((c) => Boolean(c.S3_ACCESS_KEY_ID) === Boolean(c.S3_SECRET_ACCESS_KEY), {
      message: 'set both or neither of S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY',
      path: ['S3_SECRET_ACCESS_KEY'],
    })
    .refine((c) => !c.OIDC_ISSUER || Boolean(c.OIDC_JWKS_URL && c.OIDC_AUDIENCE), {
      message: 'OIDC_ISSUER needs OIDC_JWKS_URL and OIDC_AUDIENCE',
      path: ['OIDC_ISSUER'],
    })
    .refine((c) => !backupInsideReports(c), {
      message: 'backups must not lie inside the report store (or it inside them): each backup would copy the ones before it',
      path: ['BACKUP_DIR'],
    })
    .refine((c) => !c.ENCRYPTION_KEYS || Boolean(c.ENCRYPTION_KEY_ID), {
      message: 'ENCRYPTION_KEYS needs ENCRYPTION_KEY_ID (the key new objects are sealed with)',
      path: ['ENCRYPTION_KEY_ID'],
    })
    .refine((c) => !c.GRAPHDB_URL || c.GRAPHDB_ALLOW_INSECURE || !cleartextToNetwork(c.GRAPHDB_URL), {
      message:
        'http:// to a host that is not loopback sends the ledgers and the GraphDB credentials in cleartext: use https:// (a private CA in NODE_EXTRA_CA_CERTS), or GRAPHDB_ALLOW_INSECURE=true where the network encrypts (mTLS mesh)',
      path: ['GRAPHDB_URL'],
    })
    .superRefine((c, ctx) => {
      const problem = c.SMTP_URL && smtpUrlProblem(c.SMTP_URL, c.SMTP_ALLOW_PLAINTEXT);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['SMTP_URL'] });
    })
    .refine((c) => c.CONSOLE_SECURE_COOKIES !== false || isLoopbackHost(c.CONSOLE_HOST), {
      message: 'false only when CONSOLE_HOST is a loopback address: serve the console over HTTPS',
      path: ['CONSOLE_SECURE_COOKIES'],
    })
    .transform((c) => ({ ...c, CONSOLE_SECURE_COOKIES: c.CONSOLE_SECURE_COOKIES ?? !isLoopbackHost(c.CONSOLE_HOST) }))
    .safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Whether the backup destination and the report store overlap (same bucket with nested prefixes, or nested directories). */
function backupInsideReports(c: z.infer<typeof envSchema>): boolean {
  const nested = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
  if (c.BACKUP_S3_BUCKET) return c.BACKUP_S3_BUCKET === c.S3_BUCKET && nested(c.BACKUP_S3_PREFIX, c.S3_PREFIX);
  return !c.S3_BUCKET && nested(`${c.BACKUP_DIR}${path.sep}`, `${c.REPORT_STORE_DIR}${path.sep}`);
}

/** A plain-HTTP URL to a host other than this machine. */
function cleartextToNetwork(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && !isLoopbackHost(hostname);
}

/** fastify's `trustProxy`: false, a hop count, or the proxies' addresses. */
function trustedProxies(raw: string, ctx: z.RefinementCtx): false | number | string[] {
  const value = raw.trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (value === 'true' || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `a hop count (e.g. 1) or the proxies' addresses/CIDRs, not ${JSON.stringify(value === 'true' ? value : bad[0])}: 'true' would trust X-Forwarded-For from anyone`,
    });
    return z.NEVER;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** True when an OpenAI-compatible endpoint is configured; otherwise the offline narrative is used. */
/** Whether a company's reports wait for an accountant's approval: firm-wide, by id, or by its company.json. */
export function reviewRequired(config: Pick<AppConfig, 'REVIEW_REQUIRED'>, company: { id: string; reviewRequired?: boolean }): boolean {
  const setting = config.REVIEW_REQUIRED;
  return company.reviewRequired ?? (setting === 'all' || (Array.isArray(setting) && setting.includes(company.id)));
}

export function llmConfigured(config: AppConfig): boolean {
  return Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL);
}

/** Each narrative task's fallback chain; empty (straight to the offline narrative) without an endpoint. */
export function llmChains(config: AppConfig): { insights: string[]; summary: string[] } {
  const on = llmConfigured(config);
  return { insights: on ? config.LLM_INSIGHT_MODELS : [], summary: on ? config.LLM_SUMMARY_MODELS : [] };
}

export { PROJECT_ROOT };
