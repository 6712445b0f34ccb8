// `tsx scripts/check-log-redaction.ts LOG_FILE SECRETS_FILE`: fails when a log line holds a registered secret,
// or anything shaped like a credential (our API tokens, JWTs, bearer headers, URLs with a password).
import { existsSync, readFileSync } from 'node:fs';

const SHAPES: Array<[string, RegExp]> = [
  ['API token', /txr_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/],
  ['JWT', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['bearer header', /Bearer\s+[A-Za-z0-9._~+/=-]{16,}/],
  ['URL with a password', /[a-z][a-z0-9+.-]*:\/\/[^\s/:@"]+:[^\s/@"]+@/i],
];

function main(): void {
  const [logFile, secretsFile] = process.argv.slice(2);
  if (!logFile || !secretsFile) throw new Error('usage: check-log-redaction LOG_FILE SECRETS_FILE');
  const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
  const secrets = existsSync(secretsFile)
    ? [
        ...new Set(
          readFileSync(secretsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string),
        ),
      ]
    : [];
  const leaks: string[] = [];
  lines.forEach((line, i) => {
    for (const secret of secrets) if (line.includes(secret)) leaks.push(`line ${i + 1}: a registered secret (${secret.length} chars)`);
    for (const [name, shape] of SHAPES) if (shape.test(line)) leaks.push(`line ${i + 1}: ${name}`);
  });
  console.log(`[redaction] ${lines.length} log lines checked against ${secrets.length} registered secrets and ${SHAPES.length} credential shapes`);
  if (lines.length === 0) {
    console.error('[redaction] the test run wrote no log lines: LOG_FILE was not honoured, so nothing was checked');
    process.exit(1);
  }
  if (leaks.length > 0) {
    console.error(`[redaction] ${leaks.length} leak(s) in ${logFile}:\n  ${leaks.slice(0, 50).join('\n  ')}`);
    process.exit(1);
  }
  console.log('[redaction] no secret in any log line');
}

main();
