/**
 * Sends composed messages, at most once per delivery key. With an SMTP URL the message goes to the
 * server over TLS only (`smtps://`, or `smtp://` with STARTTLS required: smtp-tls.ts); without one it is
 * written to an outbox directory as .eml.
 *
 * Idempotency: a ledger entry per delivery key is checked before sending and written right after a
 * successful send, so a retried activity reports `alreadySent` instead of mailing twice. A crash
 * between the send and the ledger write can still duplicate a mail; the deterministic Message-ID
 * lets mail clients collapse that duplicate.
 *
 * Cancellation: a send's `signal` closes its SMTP connection at once (nodemailer's own AbortSignal support), and
 * the send rejects with the signal's reason. A server that had not answered the message's DATA with 250 has not
 * queued it, so nothing is written to the ledger and a later attempt sends it. A send that completed before the
 * abort is always recorded, even though the caller is told of the abort by its next step.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type NodemailerError, type SendMailOptions } from 'nodemailer';
import { writeFileAtomic } from '../storage/fs-object-store';
import { smtpConnection } from './smtp-tls';

export interface MailTransportOptions {
  smtpUrl?: string;
  /** SMTP_ALLOW_PLAINTEXT: a relay on loopback may be reached without TLS when it offers none. */
  allowPlaintext?: boolean;
  /** Where the loopback-only TLS relaxations in force are announced when the transport starts. */
  log?: { warn(details: object, message: string): void };
  /** Outbox for .eml files when there is no SMTP URL; also holds the default ledger. */
  outboxDir: string;
  /** Delivery ledger directory; defaults to `<outboxDir>/.ledger`. */
  ledgerDir?: string;
}

export interface SendResult {
  messageId: string;
  /** The .eml file, in outbox mode. */
  outboxPath?: string;
  /** True when the ledger shows this delivery key was already sent; nothing was sent now. */
  alreadySent: boolean;
}

export interface SendOptions {
  /** Aborts the send; it then rejects with `signal.reason` and leaves no ledger entry. */
  signal?: AbortSignal;
}

export interface MailTransport {
  send(message: SendMailOptions, deliveryKey: string, options?: SendOptions): Promise<SendResult>;
  close(): void;
}

export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';
  constructor(
    message: string,
    /** False when sending the same message again cannot succeed (5xx, bad recipient, bad message). */
    readonly retryable: boolean,
    /** SMTP reply code, when the server answered. */
    readonly responseCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** File-name-safe digest of a delivery key (ledger entry, .eml name, Message-ID). */
export function deliveryKeyHash(deliveryKey: string): string {
  return createHash('sha256').update(deliveryKey, 'utf8').digest('hex');
}

/** The same delivery key always yields the same Message-ID, so duplicates are recognisable. */
export function deliveryMessageId(deliveryKey: string): string {
  return `<${deliveryKeyHash(deliveryKey)}@tax-reports.local>`;
}

interface LedgerEntry {
  deliveryKey: string;
  messageId: string;
  sentAt: string;
  outboxPath?: string;
  response?: string;
}

interface Delivered {
  outboxPath?: string;
  response?: string;
  rejected?: string[];
}

interface Channel {
  deliver(message: SendMailOptions, keyHash: string, signal: AbortSignal | undefined): Promise<Delivered>;
  close(): void;
}

export function createMailTransport(opts: MailTransportOptions): MailTransport {
  const ledgerDir = opts.ledgerDir ?? join(opts.outboxDir, '.ledger');
  const channel = opts.smtpUrl ? smtpChannel(opts.smtpUrl, opts) : outboxChannel(opts.outboxDir);
  const inFlight = new Map<string, Promise<SendResult>>();

  async function sendOnce(message: SendMailOptions, deliveryKey: string, keyHash: string, signal: AbortSignal | undefined): Promise<SendResult> {
    const previous = await readLedger(ledgerDir, keyHash);
    if (previous) return { messageId: previous.messageId, outboxPath: previous.outboxPath, alreadySent: true };

    const messageId = message.messageId ?? deliveryMessageId(deliveryKey);
    let delivered: Delivered;
    try {
      signal?.throwIfAborted();
      delivered = await channel.deliver({ ...message, messageId }, keyHash, signal);
    } catch (err) {
      // The abort itself, not a MailDeliveryError: the caller (Temporal) must see a cancellation, not a failed send.
      if (signal?.aborted) throw signal.reason;
      throw toDeliveryError(err);
    }
    const { rejected, ...outcome } = delivered;
    await writeLedger(ledgerDir, keyHash, { deliveryKey, messageId, sentAt: new Date().toISOString(), ...outcome });
    if (rejected?.length) {
      // Some recipients got it (hence the ledger entry); resending cannot reach the others.
      throw new MailDeliveryError(`recipients rejected: ${rejected.join(', ')}`, false);
    }
    return { messageId, outboxPath: outcome.outboxPath, alreadySent: false };
  }

  return {
    async send(message, deliveryKey, { signal } = {}) {
      const keyHash = deliveryKeyHash(deliveryKey);
      // A concurrent send of the same key in this process: wait for it, then the ledger decides.
      for (let running = inFlight.get(keyHash); running; running = inFlight.get(keyHash)) {
        await running.catch(() => undefined);
      }
      const attempt = sendOnce(message, deliveryKey, keyHash, signal);
      inFlight.set(keyHash, attempt);
      try {
        return await attempt;
      } finally {
        inFlight.delete(keyHash);
      }
    },
    close: () => channel.close(),
  };
}

function smtpChannel(smtpUrl: string, { allowPlaintext, log }: MailTransportOptions): Channel {
  const { options, relaxations } = smtpConnection(smtpUrl, allowPlaintext);
  if (relaxations.length > 0)
    log?.warn({ event: 'smtp_tls_relaxed', host: options.host, relaxations }, `SMTP without full TLS protection: ${relaxations.join('; ')}`);
  const transporter = createTransport(options);
  return {
    async deliver(message, _keyHash, signal) {
      // On abort nodemailer closes this send's connection; the server never answered DATA, so queued nothing.
      const info = await transporter.sendMail(signal ? { ...message, signal } : message);
      return { response: info.response, rejected: info.rejected };
    },
    close: () => transporter.close(),
  };
}

function outboxChannel(outboxDir: string): Channel {
  const transporter = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    async deliver(message, keyHash, signal) {
      const info = await transporter.sendMail(signal ? { ...message, signal } : message);
      const outboxPath = join(outboxDir, `${keyHash}.eml`);
      await mkdir(outboxDir, { recursive: true });
      // The .eml is the send here: written whole (temp file + rename) or, once aborted, not at all.
      signal?.throwIfAborted();
      await writeFileAtomic(outboxPath, info.message as Buffer);
      return { outboxPath };
    },
    close: () => transporter.close(),
  };
}

/** Errors that no retry can fix: the message or the configuration is wrong, not the moment. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'ECONFIG', 'EAUTH', 'ENOAUTH', 'EREQUIRETLS', 'EMAXRECIPIENTS']);

function toDeliveryError(err: unknown): MailDeliveryError {
  const e = err as NodemailerError;
  const message = e instanceof Error ? e.message : String(err);
  if (e.code === 'ETLS' && e.command === 'STARTTLS') {
    // Refused or failed STARTTLS: nothing was sent, and sending in cleartext instead is not an option.
    const answer = e.response ? ` (the server answered: ${e.response})` : '';
    return new MailDeliveryError(
      `the SMTP server did not start TLS${answer}: ${message}; nothing was sent in cleartext. Have the relay offer STARTTLS with a trusted certificate, or use smtps://`,
      false,
      e.responseCode,
      { cause: err },
    );
  }
  if (e.responseCode !== undefined) {
    // 4xx: the server asks us to come back later. 5xx (including a refused recipient): final.
    return new MailDeliveryError(message, e.responseCode < 500, e.responseCode, { cause: err });
  }
  // No SMTP reply: connection, DNS, timeout and disk trouble pass; a bad message or setup does not.
  return new MailDeliveryError(message, !PERMANENT_CODES.has(e.code ?? ''), undefined, { cause: err });
}

async function readLedger(ledgerDir: string, keyHash: string): Promise<LedgerEntry | undefined> {
  try {
    return JSON.parse(await readFile(join(ledgerDir, `${keyHash}.json`), 'utf8')) as LedgerEntry;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeLedger(ledgerDir: string, keyHash: string, entry: LedgerEntry): Promise<void> {
  await mkdir(ledgerDir, { recursive: true });
  await writeFileAtomic(join(ledgerDir, `${keyHash}.json`), `${JSON.stringify(entry, null, 2)}\n`);
}
