import path from 'node:path';
import { z } from 'zod';

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

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TASK_QUEUE: z.string().default('tax-reports'),
  BATCH_CONCURRENCY: positiveInt(4),

  ERP_DATA_DIR: dir('.data/erp'),
  REPORT_STORE_DIR: dir('.data/reports'),
  OUTBOX_DIR: dir('.data/outbox'),
  STANDARD_CHART: dir('ontology/accounts.csv'),
  SHAPES_DIR: dir('shapes'),

  GRAPHDB_URL: optionalUrl,
  GRAPHDB_USERNAME: optionalString,
  GRAPHDB_PASSWORD: optionalString,
  GRAPHDB_TOKEN: optionalString,
  GRAPHDB_TIMEOUT_MS: positiveInt(30_000),
  GRAPH_PERSIST_FILE: optionalString.transform((p) => (p ? path.resolve(PROJECT_ROOT, p) : undefined)),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  /** Fallback chain for the narrative, strongest first. */
  LLM_MODELS: z
    .string()
    .default('gpt-4.1,gpt-4.1-mini')
    .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'name at least one model')),
  LLM_TIMEOUT_MS: positiveInt(60_000),

  SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/ }).optional()),
  MAIL_FROM: z.email().default('reports@tax-firm.example'),
  ADMIN_EMAIL: z.email().default('admin@tax-firm.example'),
  FIRM_NAME: z.string().default('한결세무법인'),
  DEFAULT_ADVISOR: z.string().default('담당 세무사'),

  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  RENDER_MAX_PAGES: positiveInt(2),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type AppConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parse the environment; a bad value fails with one line per offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** True when an OpenAI-compatible endpoint is configured; otherwise the offline narrative is used. */
export function llmConfigured(config: AppConfig): boolean {
  return Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL);
}

export { PROJECT_ROOT };
