// `npm run console:token -- create --name alice --role viewer [--companies c01,c02]` | `list` | `revoke <id>`:
// the console's API tokens in API_TOKENS_FILE. A new token is printed once, on stdout, and never stored.
import { parseArgs } from 'node:util';
import { ApiTokenStore, type PublicTokenRecord } from '../lib/auth/api-tokens';
import { loadConfig } from '../lib/config';
import type { Role } from '../lib/security/roles';

const USAGE = `usage: npm run console:token -- create --name NAME --role viewer|analyst|admin [--companies ID,ID]
       npm run console:token -- list
       npm run console:token -- revoke ID`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, companies: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  const store = new ApiTokenStore(loadConfig().API_TOKENS_FILE);
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
}

function formatTable(records: PublicTokenRecord[]): string {
  if (records.length === 0) return 'no API tokens';
  const rows = [
    ['ID', 'NAME', 'ROLE', 'COMPANIES', 'CREATED', 'LAST USED', 'REVOKED'],
    ...records.map((r) => [r.id, r.name, r.role, r.companies?.join(',') ?? '(all)', r.createdAt, r.lastUsedAt ?? '-', r.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
