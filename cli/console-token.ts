// `npm run console:token -- create --name alice --role viewer [--companies c01,c02]` | `list` | `revoke <id>`:
// the console's API tokens, in the `console_api_tokens` table with DATABASE_URL, else in API_TOKENS_FILE.
// A new token is printed once, on stdout, and never stored.
// `import-file`: the upgrade to DATABASE_URL, copying API_TOKENS_FILE's records (hashes only) into the empty table.
import { parseArgs } from 'node:util';
import type { PublicTokenRecord } from '../lib/auth/api-token-backend';
import { createApiTokenStore } from '../lib/auth/create-api-token-store';
import { FileTokenBackend } from '../lib/auth/file-token-backend';
import { PgTokenBackend } from '../lib/auth/pg-token-backend';
import { loadConfig, type AppConfig } from '../lib/config';
import { createLogger, type Logger } from '../lib/logging';
import type { Role } from '../lib/security/roles';

const USAGE = `usage: npm run console:token -- create --name NAME --role viewer|analyst|admin [--companies ID,ID]
       npm run console:token -- list
       npm run console:token -- revoke ID
       npm run console:token -- import-file     (with DATABASE_URL: copies API_TOKENS_FILE into the empty table)`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, companies: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  const config = loadConfig();
  // Logs go to stderr: stdout carries the result.
  const log = createLogger(config.LOG_LEVEL, process.stderr);
  if (command === 'import-file') {
    if (rest.length > 0) throw new Error(USAGE);
    return importFile(config, log);
  }
  const store = createApiTokenStore(config, log);
  try {
    switch (command) {
      case 'create': {
        if (!values.name || !values.role || rest.length > 0) throw new Error(USAGE);
        const companies = values.companies?.split(',').map((c) => c.trim());
        const { token, record } = await store.create({ name: values.name, role: values.role as Role, companies });
        // The note goes to stderr so that stdout is the token alone (`TOKEN=$(npm run -s console:token -- create ...)`).
        console.error(`Created API token ${record.id} (${record.name}, ${record.role}). Store it now: it cannot be shown again.`);
        console.log(token);
        return;
      }
      case 'list':
        if (rest.length > 0) throw new Error(USAGE);
        console.log(formatTable(await store.list()));
        return;
      case 'revoke': {
        const [id, ...extra] = rest;
        if (!id || extra.length > 0) throw new Error(USAGE);
        if (!(await store.revoke(id))) throw new Error(`no active token with id ${id}`);
        console.log(`revoked ${id}`);
        return;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    await store.close();
  }
}

/** Explicit, never automatic: the operator runs it once, checks `list`, then deletes the file. */
async function importFile(config: AppConfig, log: Logger): Promise<void> {
  if (!config.DATABASE_URL) throw new Error('import-file copies API_TOKENS_FILE into PostgreSQL: set DATABASE_URL');
  const records = await new FileTokenBackend(config.API_TOKENS_FILE).list();
  if (records.length === 0) throw new Error(`no API tokens in ${config.API_TOKENS_FILE}: nothing to import`);
  const table = new PgTokenBackend(config.DATABASE_URL, log);
  try {
    const imported = await table.importRecords(records);
    console.log(`imported ${imported} API token(s) from ${config.API_TOKENS_FILE} into console_api_tokens; delete the file once \`list\` shows them`);
  } finally {
    await table.close();
  }
}

function formatTable(records: PublicTokenRecord[]): string {
  if (records.length === 0) return 'no API tokens';
  const rows = [
    ['ID', 'NAME', 'ROLE', 'COMPANIES', 'CREATED', 'LAST USED', 'REVOKED'],
    ...records.map((r) => [r.id, r.name, r.role, r.companies?.join(',') ?? '(all)', r.createdAt, r.lastUsedAt ?? '-', r.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
