// A real SMTP server (smtp-server) on loopback that records what it receives and can refuse recipients.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  raw: Buffer;
  secure: boolean;
}

/** A loopback SMTP server offering STARTTLS (self-signed); `rcptCode` makes it refuse recipients. */
export async function startSmtpServer() {
  const received: Received[] = [];
  /** With `failuresLeft`, only that many RCPT commands are refused (an outage that ends). */
  const state: { rcptCode?: number; failuresLeft?: number; dataDelayMs?: number } = {};
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    onClose(session) {
      closed.add(session.id);
    },
    onRcptTo(_address, _session, callback) {
      if (state.rcptCode === undefined || state.failuresLeft === 0) return callback();
      if (state.failuresLeft !== undefined) state.failuresLeft--;
      callback(Object.assign(new Error(`refused with ${state.rcptCode}`), { responseCode: state.rcptCode }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // With dataDelayMs the server takes that long to accept a message (a slow relay): time to crash a sender.
        // Like a real MTA, a message whose sender hung up before the 250 reply is not queued.
        setTimeout(() => {
          if (closed.has(session.id)) return;
          received.push({ raw: Buffer.concat(chunks), secure: session.secure });
          callback();
        }, state.dataDelayMs ?? 0);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    received,
    state,
    url: `smtp://127.0.0.1:${port}?tls.rejectUnauthorized=false`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

