// Reading what a run produced: PDF text, e-mails in the outbox, findings.json.
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { FindingsDocument } from '../../lib/domain/findings';

const run = promisify(execFile);

export async function pdfText(file: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
  return stdout;
}

/** Every .eml in the outbox, parsed. */
export async function outboxMails(outboxDir: string): Promise<ParsedMail[]> {
  const files = (await readdir(outboxDir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map(async (f) => simpleParser(await readFile(path.join(outboxDir, f)))));
}

export async function readFindings(file: string): Promise<FindingsDocument> {
  return JSON.parse(await readFile(file, 'utf8')) as FindingsDocument;
}

export function recipientsOf(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => v.address ?? ''));
}
