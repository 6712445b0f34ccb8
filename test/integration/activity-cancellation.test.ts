// Cancellation reaches the I/O: each slow call of the graph stores, the mail transport, the PDF renderer and the
// LLM endpoint rejects soon after its AbortSignal aborts, with the signal's reason (what Temporal reports as a
// cancelled activity), closes its connection or page, and leaves nothing half-written. Then the same through
// Temporal: cancelling a run stops the activity that is waiting on a graph store that never answers.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { SMTPServer } from 'smtp-server';
import { HttpGraphStore } from '../../lib/graph/http-graph-store';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { callModel } from '../../lib/llm/chat-call';
import { LlmTaskError, askModel, narrativeRequest } from '../../lib/llm/narrative-writer';
import { openAiEmbedder } from '../../lib/llm/semantic-search';
import { createMailTransport } from '../../lib/mail/mail-transport';
import { TaxMetrics } from '../../lib/observability/metrics';
import { PdfRenderer } from '../../lib/report/pdf-renderer';
import { cancellableGraphStore, cancellableMailTransport, cancellableRenderer, currentActivitySignal } from '../../workers/activity-cancellation';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';
import { startHarness, type Harness } from '../support/temporal-harness';

const CHROMIUM = '/usr/bin/chromium';
/** How soon after the abort a call must have rejected. */
const ABORT_LIMIT_MS = 2_000;

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Aborts, then expects `call` to reject within ABORT_LIMIT_MS with the signal's reason; returns the delay. */
async function abortRejects(controller: AbortController, call: Promise<unknown>, reason?: unknown): Promise<number> {
  const started = performance.now();
  controller.abort(reason);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    call.then(
      () => ({ kind: 'resolved' as const }),
      (error: unknown) => ({ kind: 'rejected' as const, error }),
    ),
    new Promise<{ kind: 'still running' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'still running' }), ABORT_LIMIT_MS);
    }),
  ]);
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (outcome.kind !== 'rejected') assert.fail(`${outcome.kind} ${ABORT_LIMIT_MS} ms after the abort`);
  assert.equal(outcome.error, controller.signal.reason, `rejects with the signal's reason, not ${String(outcome.error)}`);
  return ms;
}

/** An HTTP server that takes requests (and their bodies) and never answers; it records which sockets closed. */
async function startSilentHttpServer() {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let closed = 0;
  let bodyBytes = 0;
  const server: Server = createServer((req) => {
    requests.push(`${req.method} ${req.url}`);
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closed++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get closedSockets() {
      return closed;
    },
    get openSockets() {
      return sockets.size;
    },
    get bodyBytes() {
      return bodyBytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type SilentServer = Awaited<ReturnType<typeof startSilentHttpServer>>;

describe('graph store over HTTP', () => {
  let silent: SilentServer;
  let store: HttpGraphStore;
  before(async () => {
    silent = await startSilentHttpServer();
    // Far longer than the test: only the abort can end these requests.
    store = new HttpGraphStore({ repositoryUrl: `${silent.url}/repositories/tax`, timeoutMs: 120_000 });
  });
  after(async () => {
    await store?.close();
    await silent?.close();
  });

  test('an aborted query rejects at once with the reason and closes its connection', async () => {
    const closedBefore = silent.closedSockets;
    const controller = new AbortController();
    const query = store.select('SELECT * WHERE { ?s ?p ?o }', { signal: controller.signal });
    await waitFor('the query to reach the server', () => silent.requests.length > 0);
    const ms = await abortRejects(controller, query);
    assert.ok(ms < ABORT_LIMIT_MS, `${ms} ms`);
    await waitFor('the connection to close', () => silent.closedSockets > closedBefore);
  });

  test('an aborted upload of a graph stops reading its source and closes its connection', async () => {
    const closedBefore = silent.closedSockets;
    let sourceClosed = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        for (let i = 0; ; i++) {
          yield `<urn:s${i}> <urn:p> "${'x'.repeat(1000)}" .\n`;
          await sleep(5);
        }
      } finally {
        sourceClosed = true;
      }
    }
    const controller = new AbortController();
    const upload = store.replaceGraph('urn:graph:g', endless(), { signal: controller.signal });
    await waitFor('part of the body to arrive', () => silent.bodyBytes > 10_000);
    await abortRejects(controller, upload, new Error('activity cancelled'));
    await waitFor('the connection to close', () => silent.closedSockets > closedBefore);
    await waitFor('the N-Triples source to be closed', () => sourceClosed);
  });

  test("the worker's wrapper gives every call its source's signal", async () => {
    const controller = new AbortController();
    const wrapped = cancellableGraphStore(store, () => controller.signal);
    const requestsBefore = silent.requests.length;
    const ask = wrapped.ask('ASK { ?s ?p ?o }');
    await waitFor('the ask to reach the server', () => silent.requests.length > requestsBefore);
    await abortRejects(controller, ask);
    // Already aborted: no request is made at all.
    await assert.rejects(wrapped.countTriples('urn:graph:g'), (err) => err === controller.signal.reason);
    assert.equal(silent.requests.length, requestsBefore + 1);
  });

  test('outside an activity there is no signal, and the wrapper passes none', () => {
    assert.equal(currentActivitySignal(), undefined);
  });
});

describe('embedded oxigraph store', () => {
  const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `<urn:s${from + i}> <urn:p> "값 ${from + i}" .\n`).join('');

  test('an abort between chunks empties a graph that was being filled in place', async () => {
    const store = new OxigraphStore();
    const controller = new AbortController();
    async function* chunks() {
      yield lines(0, 1000);
      controller.abort();
      yield lines(1000, 1000);
    }
    await assert.rejects(store.replaceGraph('urn:graph:new', chunks(), { signal: controller.signal }), (err) => err === controller.signal.reason);
    assert.equal(await store.countTriples('urn:graph:new'), 0);
  });

  test('an aborted replacement leaves the old content, and leaves no scratch graph behind', async () => {
    const store = new OxigraphStore();
    await store.replaceGraph('urn:graph:old', [lines(0, 10)]);
    const controller = new AbortController();
    async function* chunks() {
      yield lines(100, 1000);
      controller.abort();
      yield lines(1100, 1000);
    }
    await assert.rejects(store.replaceGraph('urn:graph:old', chunks(), { signal: controller.signal }), (err) => err === controller.signal.reason);
    assert.equal(await store.countTriples('urn:graph:old'), 10);
    const [row] = await store.select('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }');
    assert.equal(row?.n?.value, '10', 'no quads outside the old graph');
  });

  test('queries and updates check the signal before running', async () => {
    const store = new OxigraphStore();
    const controller = new AbortController();
    controller.abort();
    const signal = controller.signal;
    await assert.rejects(store.update('INSERT DATA { GRAPH <urn:graph:g> { <urn:a> <urn:b> <urn:c> } }', { signal }), (e) => e === signal.reason);
    await assert.rejects(store.select('SELECT * WHERE { ?s ?p ?o }', { signal }), (e) => e === signal.reason);
    await assert.rejects(store.dropGraph('urn:graph:g', { signal }), (e) => e === signal.reason);
    assert.equal(await store.countTriples('urn:graph:g'), 0);
  });

  test('queries made together run one at a time, with timers running between them', async () => {
    const store = new OxigraphStore();
    await store.replaceGraph('urn:graph:g', [lines(0, 1000)]);
    // A million rows to count: a fraction of a second each, in one synchronous call.
    const query = 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:graph:g> { ?a ?p ?o . ?b ?q ?r } }';
    let ticks = 0;
    const probe = setInterval(() => ticks++, 1);
    try {
      const counts = await Promise.all([store.select(query), store.select(query), store.select(query)]);
      assert.deepEqual(
        counts.map(([row]) => row?.n?.value),
        ['1000000', '1000000', '1000000'],
      );
    } finally {
      clearInterval(probe);
    }
    // Run back to back (as a validator's Promise.all of CONSTRUCTs did), no timer fires before all three are done.
    assert.ok(ticks >= 2, `timers ran ${ticks} times while the three queries ran`);
  });

  test('a large load in one chunk yields to the event loop between slices', async () => {
    const store = new OxigraphStore();
    const text = lines(0, 200_000); // 6.8 MB: one synchronous load of it holds the loop for most of a second
    let longest = 0;
    let ticks = 0;
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      ticks++;
    };
    const probe = setInterval(tick, 5);
    try {
      await store.replaceGraph('urn:graph:big', [text]);
      tick(); // the gap up to the end of the load
    } finally {
      clearInterval(probe);
    }
    assert.equal(await store.countTriples('urn:graph:big'), 200_000);
    // 6.8 MB in slices of 256 KiB: timers ran between them (a single load lets them run once, after it).
    assert.ok(ticks >= 10, `timers ran ${ticks} times during the load`);
    assert.ok(longest < 1_000, `the loop was held for ${Math.round(longest)} ms at once`);
  });
});

describe('mail transport', () => {
  let dir: string;
  let smtp: SMTPServer;
  let url: string;
  let stall = true;
  let dataReceived = 0;
  const accepted: Buffer[] = [];
  const closedSessions = new Set<string>();
  const message = { from: 'reports@example.kr', to: 'ceo@example.kr', subject: '월간 보고서', text: '본문' };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cancel-mail-'));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onClose: (session) => void closedSessions.add(session.id),
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          dataReceived++;
          // Stalled: the message is never answered, so never queued (a relay that hangs after DATA).
          if (stall) return;
          accepted.push(Buffer.concat(chunks));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.server.listen(0, '127.0.0.1', resolve));
    url = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const ledgerEntries = (outboxDir: string) => readdir(path.join(outboxDir, '.ledger')).catch(() => [] as string[]);

  test('an SMTP send stalled after DATA is aborted: connection closed, nothing in the ledger, a retry sends it', async () => {
    const outboxDir = path.join(dir, 'smtp');
    let controller = new AbortController();
    const mail = cancellableMailTransport(createMailTransport({ smtpUrl: url, allowPlaintext: true, outboxDir }), () => controller.signal);
    const send = mail.send(message, 'run-1/ceo@example.kr');
    await waitFor('the server to receive the message', () => dataReceived === 1);
    const sessionsClosedBefore = closedSessions.size;
    await abortRejects(controller, send);
    await waitFor('the SMTP connection to close', () => closedSessions.size > sessionsClosedBefore);
    assert.deepEqual(await ledgerEntries(outboxDir), [], 'no ledger entry for a send that did not complete');
    assert.equal(accepted.length, 0);

    // The next attempt (Temporal's retry) finds no ledger entry and sends.
    stall = false;
    controller = new AbortController();
    const sent = await mail.send(message, 'run-1/ceo@example.kr');
    assert.equal(sent.alreadySent, false);
    assert.equal(accepted.length, 1);
    assert.equal((await ledgerEntries(outboxDir)).length, 1);
    mail.close();
  });

  test('an aborted send to the outbox writes neither the .eml nor the ledger', async () => {
    const outboxDir = path.join(dir, 'outbox');
    const mail = createMailTransport({ outboxDir });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(mail.send(message, 'run-2/ceo@example.kr', { signal: controller.signal }), (e) => e === controller.signal.reason);
    assert.deepEqual(await readdir(outboxDir).catch(() => []), []);
    mail.close();
  });
});

describe('PDF renderer', () => {
  let renderer: PdfRenderer;
  // About 4 s of printing (200 A4 pages): long enough to abort in the middle.
  const bigHtml = `<!doctype html><html><body><table>${Array.from(
    { length: 5_000 },
    (_, i) => `<tr><td>${i}</td><td>거래처 ${i}</td><td>${i * 1000}</td></tr>`,
  ).join('')}</table></body></html>`;

  before(async () => {
    renderer = cancellableRenderer(await PdfRenderer.launch({ executablePath: CHROMIUM, maxPages: 1 }), () => undefined);
  });
  after(async () => {
    await renderer?.close();
  });

  test('a render aborted midway closes its page and returns no PDF; the pool carries on', async () => {
    const controller = new AbortController();
    const render = renderer.render(bigHtml, { signal: controller.signal });
    await sleep(100);
    const ms = await abortRejects(controller, render);
    assert.ok(ms < ABORT_LIMIT_MS, `${ms} ms`);
    assert.equal(renderer.stats.activeRenders, 0, 'the page slot is free again');
    const pdf = await renderer.render('<!doctype html><p>다음 보고서</p>');
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.equal(renderer.stats.browserLaunches, 1, 'the same browser');
  });

  test('a render waiting for a page leaves the queue when aborted; the running one finishes', async () => {
    const running = renderer.render(bigHtml);
    const controller = new AbortController();
    const waiting = renderer.render('<p>대기</p>', { signal: controller.signal });
    await sleep(50);
    const ms = await abortRejects(controller, waiting);
    assert.ok(ms < 200, `left the queue in ${ms} ms`);
    const pdf = await running;
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.equal(renderer.stats.activeRenders, 0);
  });

  test('an already aborted render does not start', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(renderer.render('<p>x</p>', { signal: controller.signal }), (e) => e === controller.signal.reason);
  });
});

describe('LLM endpoint', () => {
  let silent: SilentServer;
  let dir: string;
  before(async () => {
    silent = await startSilentHttpServer();
    dir = await mkdtemp(path.join(tmpdir(), 'cancel-llm-'));
  });
  after(async () => {
    await silent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const endpoint = (controller: AbortController) => ({ baseURL: `${silent.url}/v1`, timeoutMs: 120_000, signal: () => controller.signal });
  const prompt = { system: '세무 보고서를 씁니다.', user: '<data>\n{"findings":[]}\n</data>' };

  test('a chat call rejects with the reason when aborted and closes its request', async () => {
    const closedBefore = silent.closedSockets;
    const requestsBefore = silent.requests.length;
    const controller = new AbortController();
    const call = callModel(endpoint(controller), 'slow-model', 'summary', prompt);
    await waitFor('the chat request', () => silent.requests.length > requestsBefore);
    await abortRejects(controller, call);
    await waitFor('the connection to close', () => silent.closedSockets > closedBefore);
  });

  test('an embeddings call rejects with the reason when aborted and closes its request', async () => {
    const closedBefore = silent.closedSockets;
    const requestsBefore = silent.requests.length;
    const controller = new AbortController();
    const call = openAiEmbedder(endpoint(controller), 'slow-embeddings').embed(['기업업무추진비 한도 초과']);
    await waitFor('the embeddings request', () => silent.requests.length > requestsBefore);
    await abortRejects(controller, call);
    await waitFor('the connection to close', () => silent.closedSockets > closedBefore);
  });

  test('the model call passes a cancellation up as it is: no LlmTaskError, no model error counted', async () => {
    const controller = new AbortController();
    const metrics = new TaxMetrics();
    const doc = sampleFindings(sampleCompany());
    const requestsBefore = silent.requests.length;
    const write = askModel(endpoint(controller), metrics, narrativeRequest({ task: 'summary', model: 'slow-model' }, doc));
    await waitFor('the chat request', () => silent.requests.length > requestsBefore);
    const reason = new Error('cancelled by the workflow');
    await abortRejects(controller, write, reason);
    assert.ok(!(controller.signal.reason instanceof LlmTaskError));
    assert.doesNotMatch(await metrics.registry.metrics(), /tax_llm_error_total\{/, 'a cancelled call is no model error');
  });
});

describe('through Temporal: cancelling a run stops its activity', () => {
  let silent: SilentServer;
  let h: Harness;
  before(async () => {
    silent = await startSilentHttpServer();
    h = await startHarness({
      GRAPHDB_URL: `${silent.url}/repositories/tax`,
      // Only the cancellation can end the request.
      GRAPHDB_TIMEOUT_MS: '120000',
      RENDER_MAX_PAGES: '3',
    });
  });
  after(async () => {
    await h?.stop();
    await silent?.close();
  });

  test('the render worker takes as many tasks as it has pages', () => {
    const render = h.worker.workers.find((w) => w.options.taskQueue === `${h.config.TASK_QUEUE}-render`);
    assert.ok(render, 'a render worker');
    const slots = render.options.tuner.activityTaskSlotSupplier;
    assert.equal(slots.type, 'fixed-size');
    assert.equal('numSlots' in slots && slots.numSlots, 3);
  });

  test('the graph request of a cancelled run is closed, and the run ends cancelled', async (t) => {
    const handle = await h.client.workflow.start('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'tax-report-c00-한빛-2024-05-cancel',
      args: [{ companyId: 'c00-한빛', period: '2024-05' }],
    });
    await waitFor('the first graph request', () => silent.requests.length > 0, 30_000);
    const closedBefore = silent.closedSockets;
    const requested = performance.now();
    await handle.cancel();
    // One heartbeat (5 s) carries the cancellation; then the request is aborted.
    await waitFor('the graph connection to close', () => silent.closedSockets > closedBefore, 20_000);
    const seconds = (performance.now() - requested) / 1000;
    t.diagnostic(`graph connection closed ${seconds.toFixed(1)} s after the cancel request`);
    assert.ok(seconds < 15, `closed ${seconds.toFixed(1)} s after the cancel request`);
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.ok(err.cause instanceof CancelledFailure, String(err.cause));
      return true;
    });
    const { events } = await handle.fetchHistory();
    const cancelled = events?.filter((e) => e.activityTaskCanceledEventAttributes) ?? [];
    assert.equal(cancelled.length, 1, 'the activity reported itself cancelled');
  });
});
