// A real SMTP server (smtp-server) on loopback that records what it receives and can refuse recipients.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  raw: Buffer;
  secure: boolean;
  /** The envelope's recipients (RCPT TO), as the server accepted them. */
  rcptTo: string[];
}

/**
 * Called once a message's DATA has been received in full, after the server has queued it (it is in `received`)
 * and before its 250 reply: the moment where a sender that dies has delivered a message it does not know about.
 * The reply waits for the returned promise; if the sender hung up meanwhile, there is no reply (the message stays
 * queued, as with an MTA that has written it to its queue). A rejection unqueues it and is the reply instead.
 */
export type OnMessage = (mail: Received) => Promise<void> | void;

/**
 * A loopback SMTP server offering STARTTLS (self-signed, hence `tls.rejectUnauthorized=false` in its URL, allowed for
 * loopback only), or with `starttls: false` not offering it (a relay, or a man in the middle, that strips it);
 * `rcptCode` makes it refuse recipients.
 */
export async function startSmtpServer({ starttls = true }: { starttls?: boolean } = {}) {
  const received: Received[] = [];
  /** With `failuresLeft`, only that many RCPT commands are refused (an outage that ends). */
  const state: { rcptCode?: number; failuresLeft?: number; dataDelayMs?: number; onMessage?: OnMessage } = {};
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    ...(starttls ? {} : { disabledCommands: ['STARTTLS'] }),
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
        // Like a real MTA, a message whose sender hung up before the 250 reply is not queued (but once it is
        // queued, before `onMessage`, a hang-up no longer takes it back).
        setTimeout(() => {
          if (closed.has(session.id)) return;
          const mail: Received = { raw: Buffer.concat(chunks), secure: session.secure, rcptTo: session.envelope.rcptTo.map((r) => r.address) };
          received.push(mail);
          const onMessage = state.onMessage;
          if (!onMessage) return callback();
          Promise.resolve()
            .then(() => onMessage(mail))
            .then(
              () => (closed.has(session.id) ? undefined : callback()),
              (err: unknown) => {
                received.splice(received.indexOf(mail), 1);
                callback(err instanceof Error ? err : new Error(String(err)));
              },
            );
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
