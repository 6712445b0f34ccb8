/**
 * The settings that are secrets (or carry one, like a URL with a password). The console shows admins only
 * their names and whether they are set; the config view masks them; the logger redacts them.
 */
import type { AppConfig } from '../config';

export const SECRET_SETTINGS = {
  OPENAI_API_KEY: 'OpenAI-compatible endpoint key',
  GRAPHDB_PASSWORD: 'GraphDB Basic auth password',
  GRAPHDB_TOKEN: 'GraphDB token auth',
  S3_ACCESS_KEY_ID: 'S3 static credentials (key id)',
  S3_SECRET_ACCESS_KEY: 'S3 static credentials (secret)',
  SMTP_URL: 'SMTP relay, with its user and password',
  REDIS_URL: 'Redis for the LLM cache and call ledger (may carry a password)',
  DATABASE_URL: "PostgreSQL for the audit log (and the console's API tokens), this role's login with its password",
  DATABASE_OWNER_URL: 'PostgreSQL owner login for npm run db:setup only, with its password',
  AUDIT_CHECKPOINT_KEY: "signs the audit chain's checkpoint (the audit job only)",
  CONSOLE_SESSION_SECRET: 'signs console session cookies',
  ENCRYPTION_KEYS: 'AES-256 key-encryption keys for data at rest',
} as const satisfies Partial<Record<keyof AppConfig, string>>;

export type SecretSetting = keyof typeof SECRET_SETTINGS;

export function isSecretSetting(name: string): name is SecretSetting {
  return Object.hasOwn(SECRET_SETTINGS, name);
}

export interface SecretMetadata {
  name: SecretSetting;
  purpose: string;
  configured: boolean;
}

/** Names and whether each is set; never a value, a length or a fingerprint. */
export function secretMetadata(config: AppConfig): SecretMetadata[] {
  return (Object.keys(SECRET_SETTINGS) as SecretSetting[]).map((name) => ({
    name,
    purpose: SECRET_SETTINGS[name],
    configured: config[name] !== undefined,
  }));
}

/** The configuration as operators may read it: every secret replaced by whether it is set. */
export function redactedConfig(config: AppConfig): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => [name, isSecretSetting(name) ? (value === undefined ? null : '[set]') : value]),
  );
}
