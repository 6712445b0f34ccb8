/** What an API token is stored as, and the storage the token logic (lib/auth/api-tokens.ts) runs over. */
import type { Role } from '../security/roles';

export interface PublicTokenRecord {
  id: string;
  name: string;
  role: Role;
  /** Company ids the token may see; absent = every company. */
  companies?: string[];
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** What is stored: the parameters travel with the hash so they can be raised later without breaking old tokens. */
export interface ApiTokenRecord extends PublicTokenRecord {
  hash: { alg: 'scrypt'; N: number; r: number; p: number; salt: string; key: string };
}

/**
 * The records of one token store, shared by every process that opens it (console pods, the CLI). Each call sees
 * the other processes' changes made before it, and each change is atomic against theirs.
 */
export interface ApiTokenBackend {
  list(): Promise<ApiTokenRecord[]>;
  get(id: string): Promise<ApiTokenRecord | undefined>;
  /** False, storing nothing, when the id is taken. */
  insert(record: ApiTokenRecord): Promise<boolean>;
  /** Sets revokedAt; false for an unknown or already revoked id. */
  revoke(id: string, at: string): Promise<boolean>;
  setLastUsed(id: string, at: string): Promise<void>;
  close(): Promise<void>;
}
