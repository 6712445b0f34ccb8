/**
 * How delivery reaches the SMTP relay: encrypted and to a verified server, or not at all. `smtps://` is TLS from
 * the first byte; `smtp://` must upgrade with STARTTLS (nodemailer's `requireTLS`), so a relay that does not offer
 * it, or a man in the middle who strips it from the EHLO answer, gets neither the mail nor the password.
 * Certificates are checked against the system's CAs (a private CA: NODE_EXTRA_CA_CERTS).
 *
 * Only a relay on this machine (a sidecar, a developer's mail catcher), where nothing crosses a network, may be
 * reached with less: `?tls.rejectUnauthorized=false` in the URL (a self-signed certificate), and
 * SMTP_ALLOW_PLAINTEXT=true (STARTTLS when offered, else cleartext). The transport logs either when it starts.
 * The URL carries no other option, so none can quietly turn TLS off.
 */
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { isLoopbackHost } from '../security/loopback-host';

const NO_VERIFY = 'tls.rejectUnauthorized';

/** Why this URL (with or without the plaintext opt-out) is refused, or undefined when it is acceptable. */
export function smtpUrlProblem(smtpUrl: string, allowPlaintext: boolean): string | undefined {
  const url = new URL(smtpUrl);
  const local = isLoopbackHost(url.hostname);
  for (const [key, value] of url.searchParams) {
    if (key !== NO_VERIFY || value !== 'false') {
      return `the URL option ${key} is not supported: TLS is always required and verified (a private CA goes in NODE_EXTRA_CA_CERTS)`;
    }
    if (!local) return `${NO_VERIFY}=false only for a relay on loopback: give a private CA in NODE_EXTRA_CA_CERTS instead`;
  }
  if (allowPlaintext && !local) return 'SMTP_ALLOW_PLAINTEXT only for a relay on loopback: mail to another host goes over TLS';
  return undefined;
}

export interface SmtpConnection {
  options: SMTPTransport.Options;
  /** The loopback-only relaxations in force, to be logged loudly. */
  relaxations: string[];
}

/** nodemailer's options for the URL, built here so that nothing in the URL's query can override the TLS policy. */
export function smtpConnection(smtpUrl: string, allowPlaintext = false): SmtpConnection {
  const problem = smtpUrlProblem(smtpUrl, allowPlaintext);
  if (problem) throw new TypeError(`SMTP_URL: ${problem}`);
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const verify = url.searchParams.get(NO_VERIFY) !== 'false';
  const relaxations = [
    ...(verify ? [] : [`${NO_VERIFY}=false: the relay's certificate is not checked`]),
    ...(allowPlaintext && !secure ? ['SMTP_ALLOW_PLAINTEXT: mail goes in cleartext when the relay offers no STARTTLS'] : []),
  ];
  return {
    options: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(url.port ? { port: Number(url.port) } : {}),
      secure,
      requireTLS: !secure && !allowPlaintext,
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      tls: { rejectUnauthorized: verify, minVersion: 'TLSv1.2' },
    },
    relaxations,
  };
}
