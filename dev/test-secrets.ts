// Secrets the tests create (tokens, passwords, keys) are registered here, so `npm test` can check afterwards that
// none of them reached a log line (scripts/check-log-redaction.ts).
import { appendFileSync } from 'node:fs';

export function registerTestSecret(value: string): string {
  const file = process.env.TEST_SECRETS_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(value)}\n`);
  return value;
}
