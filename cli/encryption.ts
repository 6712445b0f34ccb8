// `npm run encryption -- new-key [--id KID] | seal --erp --reports | rotate | status`
// Encryption at rest of the ERP ledgers (ERP_DATA_DIR) and the report store (REPORT_STORE_DIR, or the S3 bucket):
//   new-key   prints `kid:base64key` for ENCRYPTION_KEYS
//   seal      seals the plaintext files in place (run once when turning encryption on)
//   rotate    after adding a key and making it ENCRYPTION_KEY_ID: rewraps every sealed file to it, so the old key can go
//   status    plaintext and sealed files per key id
// Files are replaced atomically, but a file rewritten by a worker during the same moment can lose that write:
// run seal and rotate while no reports are being made.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig, type AppConfig } from '../lib/config';
import { scanCompanyDirs, skippedDirLine } from '../lib/erp/company';
import {
  countByKey,
  ledgerFiles,
  reportFiles,
  reportObjects,
  rewrapInPlace,
  sealInPlace,
  type AtRestItem,
  type KeyCounts,
} from '../lib/security/at-rest-files';
import { isKeyId, loadKeyWrapper, type KeyWrapper } from '../lib/security/keyring';
import { createObjectStore } from '../lib/storage/create-object-store';

const USAGE = 'usage: npm run encryption -- new-key [--id KID] | seal [--erp] [--reports] | rotate | status';

const TREES = ['erp', 'reports'] as const;
type Tree = (typeof TREES)[number];

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { id: { type: 'string' }, erp: { type: 'boolean' }, reports: { type: 'boolean' } },
  });
  const [command, ...rest] = positionals;
  if (!['new-key', 'seal', 'rotate', 'status'].includes(command ?? '') || rest.length > 0) throw new Error(USAGE);
  if (command === 'new-key') return newKey(values.id);
  const config = loadConfig();
  if (command === 'status') {
    for (const tree of TREES) console.log(`${tree.padEnd(8)}${formatCounts(await countByKey(await files(config, tree)))}`);
    return;
  }
  const keys = await requireKeys(config);
  if (command === 'seal') {
    const selected = (['erp', 'reports'] as const).filter((t) => values[t]);
    if (selected.length === 0) throw new Error(`seal needs --erp and/or --reports\n${USAGE}`);
    for (const tree of selected) {
      const { sealed, skipped } = await sealInPlace(await files(config, tree), keys);
      console.log(`${tree.padEnd(8)}sealed=${sealed} already-sealed=${skipped}`);
    }
  } else {
    for (const tree of TREES) {
      const list = await files(config, tree);
      console.log(`${tree.padEnd(8)}before  ${formatCounts(await countByKey(list))}`);
      const { rewrapped } = await rewrapInPlace(list, keys);
      console.log(`${tree.padEnd(8)}after   ${formatCounts(await countByKey(list))} (rewrapped=${rewrapped})`);
    }
  }
}

/** The id defaults to the month (`2026-01`); a second key in the same month needs --id. */
function newKey(id = new Date().toISOString().slice(0, 7)): void {
  if (!isKeyId(id)) throw new Error(`--id ${JSON.stringify(id)}: expected 1-64 characters of A-Z a-z 0-9 _ . -`);
  console.log(`${id}:${randomBytes(32).toString('base64')}`);
}

async function requireKeys(config: AppConfig): Promise<KeyWrapper> {
  const keys = await loadKeyWrapper(config);
  if (!keys) throw new Error('encryption is not configured: set ENCRYPTION_KEYS and ENCRYPTION_KEY_ID, or ENCRYPTION_KMS_MODULE');
  return keys;
}

/** Reports: the objects as stored, in the bucket with S3_BUCKET (sealed on top of the bucket's own encryption). */
async function files(config: AppConfig, tree: Tree): Promise<AtRestItem[]> {
  if (tree === 'erp') {
    // A folder that is no company is not looked into: its ledgers stay as they are, so say so and exit 2.
    const { skipped } = await scanCompanyDirs(config.ERP_DATA_DIR);
    for (const dir of skipped) console.error(`${skippedDirLine(dir)} (its ledgers were not looked at)`);
    if (skipped.length > 0) process.exitCode = 2;
    return ledgerFiles(config.ERP_DATA_DIR);
  }
  return config.S3_BUCKET ? reportObjects(createObjectStore(config)) : reportFiles(config.REPORT_STORE_DIR);
}

/** `plaintext=2 k1=10 k2=3`, key ids sorted. */
function formatCounts({ plaintext, sealed }: KeyCounts): string {
  const byKey = Object.keys(sealed)
    .sort()
    .map((kid) => `${kid}=${sealed[kid]}`);
  return [`plaintext=${plaintext}`, ...byKey].join(' ');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
