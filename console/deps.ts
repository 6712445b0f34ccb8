// What the console needs from the outside world; built once in console/main.ts (tests build their own).
import type { Client } from '@temporalio/client';
import type { AskDeps } from '../lib/ask/ask-graph';
import type { AuditLog } from '../lib/audit/audit-log';
import type { ApiTokenStore } from '../lib/auth/api-tokens';
import type { FailedSignInDigest } from '../lib/auth/failed-sign-in-digest';
import type { LoginLimiter } from '../lib/auth/login-limiter';
import type { SessionCodec } from '../lib/auth/session';
import type { SessionRevocations } from '../lib/auth/session-revocations';
import type { AppConfig } from '../lib/config';
import type { GraphStore } from '../lib/graph/graph-store';
import type { UsageLedger } from '../lib/llm/usage-ledger';
import type { Logger } from '../lib/logging';
import type { ConsoleMetrics } from '../lib/observability/console-metrics';
import type { Principal } from '../lib/security/roles';
import type { ObjectStore } from '../lib/storage/object-store';

export interface ConsoleDeps {
  config: AppConfig;
  log: Logger;
  metrics: ConsoleMetrics;
  temporal: Client;
  /** The report store the workers write (decrypting when encryption is on). */
  objects: ObjectStore;
  /**
   * The knowledge graph the workers write, when it is a server (GRAPHDB_URL): finding reviews are read and written
   * there. The embedded store lives inside the worker process, so without a server the console cannot review findings.
   */
  graph?: GraphStore;
  /** The 질문 page's reader of questions over `graph`; present when `graph` is. */
  ask?: AskDeps;
  audit: AuditLog;
  tokens: ApiTokenStore;
  /** Present when OIDC_ISSUER is configured. */
  oidc?: { verify(jwt: string): Promise<Principal> };
  sessions: SessionCodec;
  /** Sessions signed out before they expired. */
  revokedSessions: SessionRevocations;
  loginLimiter: LoginLimiter;
  /** Failed sign-ins on their way to the audit log, one digest per source and window. */
  failedSignIns: FailedSignInDigest;
  /** The LLM call ledger, for the cost page. */
  usage: UsageLedger;
  /** Key ids of the encryption keyring (never the keys), for the secrets page. */
  encryptionKeyIds: { active?: string; all: string[] };
}
