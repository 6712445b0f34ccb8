// Builds the console's dependencies from the configuration; the console process and the tests share it.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { askDepsFromConfig } from '../lib/ask/ask-deps';
import { createAuditLog } from '../lib/audit/create-audit-log';
import { createApiTokenStore } from '../lib/auth/create-api-token-store';
import { createFailedSignInDigest } from '../lib/auth/failed-sign-in-digest';
import { createLoginLimiter } from '../lib/auth/login-limiter';
import { createOidcVerifier } from '../lib/auth/oidc';
import { createSessionCodec } from '../lib/auth/session';
import { createSessionRevocations } from '../lib/auth/session-revocations';
import type { AppConfig } from '../lib/config';
import { graphStoreFromConfig } from '../lib/graph/create-graph-store';
import { createUsageLedger } from '../lib/llm/usage-ledger';
import type { Logger } from '../lib/logging';
import { ConsoleMetrics } from '../lib/observability/console-metrics';
import { loadKeyWrapper } from '../lib/security/keyring';
import { createObjectStore } from '../lib/storage/create-object-store';
import type { ConsoleDeps } from './deps';

export async function createConsoleDeps(config: AppConfig, temporal: Client, log: Logger): Promise<{ deps: ConsoleDeps; close(): Promise<void> }> {
  const keys = await loadKeyWrapper(config);
  if (!config.CONSOLE_SESSION_SECRET) {
    log.warn({ event: 'console_ephemeral_session_key' }, 'CONSOLE_SESSION_SECRET is not set: sessions end when this process restarts');
  }
  const audit = createAuditLog({ file: config.AUDIT_LOG_FILE, databaseUrl: config.DATABASE_URL, log });
  const graph = config.GRAPHDB_URL ? graphStoreFromConfig(config, log) : undefined;
  const deps: ConsoleDeps = {
    config,
    log,
    metrics: new ConsoleMetrics(),
    temporal,
    objects: createObjectStore(config, keys),
    ...(graph && { graph, ask: await askDepsFromConfig(config, graph, { audit, log }) }),
    audit,
    tokens: createApiTokenStore(config, log),
    ...(config.OIDC_ISSUER &&
      config.OIDC_AUDIENCE &&
      config.OIDC_JWKS_URL && {
        oidc: createOidcVerifier({
          issuer: config.OIDC_ISSUER,
          audience: config.OIDC_AUDIENCE,
          jwksUrl: config.OIDC_JWKS_URL,
          roleClaim: config.OIDC_ROLE_CLAIM,
          companiesClaim: config.OIDC_COMPANIES_CLAIM,
        }),
      }),
    sessions: createSessionCodec({
      secret: config.CONSOLE_SESSION_SECRET ?? randomBytes(32),
      ttlMs: config.CONSOLE_SESSION_TTL,
    }),
    revokedSessions: createSessionRevocations(config, log),
    loginLimiter: createLoginLimiter({ maxFailures: config.LOGIN_MAX_FAILURES, windowMs: config.LOGIN_WINDOW }),
    failedSignIns: createFailedSignInDigest({ append: (event) => audit.append(event), windowMs: config.LOGIN_WINDOW, log }),
    usage: createUsageLedger({ redisUrl: config.REDIS_URL, dir: config.LLM_USAGE_DIR, log }),
    encryptionKeyIds: {
      active: keys?.activeKeyId,
      all: keys ? [...(keys.keyIds ?? [keys.activeKeyId])] : [],
    },
  };
  return {
    deps,
    async close() {
      // The open digests first: they are written to the audit log.
      await deps.failedSignIns.close();
      await Promise.all([deps.audit.close(), deps.tokens.close(), deps.revokedSessions.close(), deps.usage.close()]);
      deps.objects.close?.();
      await deps.graph?.close();
    },
  };
}
