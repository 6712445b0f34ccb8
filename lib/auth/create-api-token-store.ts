/** The token store the configuration names: the `console_api_tokens` table with DATABASE_URL, else API_TOKENS_FILE. */
import type { AppConfig } from '../config';
import type { Logger } from '../logging';
import { ApiTokenStore } from './api-tokens';
import { FileTokenBackend } from './file-token-backend';
import { PgTokenBackend } from './pg-token-backend';

export function createApiTokenStore(config: Pick<AppConfig, 'API_TOKENS_FILE' | 'DATABASE_URL'>, log: Logger): ApiTokenStore {
  return new ApiTokenStore(config.DATABASE_URL ? new PgTokenBackend(config.DATABASE_URL, log) : new FileTokenBackend(config.API_TOKENS_FILE));
}
