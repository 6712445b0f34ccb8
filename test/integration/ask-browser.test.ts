// The 질문 page in real headless Chromium over the fixture firm's knowledge graph: an analyst asks in Korean and gets
// a sentence, a table linking to the reports and a chart for a trend; an analyst scoped to one company sees only it;
// an admin's SPARQL box answers a SELECT and refuses an update; the analyst has no such box. Every question is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, type Browser, type Page } from 'puppeteer';
import { askDepsFromConfig } from '../../lib/ask/ask-deps';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { CHROMIUM_ARGS } from '../../lib/report/pdf-renderer';
import { registerTestSecret } from '../../dev/test-secrets';
import { ASK_NOW, loadAskFixtureGraph } from '../support/ask-fixture-graph';
import { startConsoleStack, type ConsoleStack } from '../support/console-stack';

const WAIT = { timeout: 30_000 };
const TREND = '(주)가람제조 접대비 추이 보여줘';
const OVER_LIMIT = '이번 달 접대비 한도를 넘은 고객사는?';

let s: ConsoleStack;
let browser: Browser;
let scopedAnalyst: string;

before(async () => {
  s = await startConsoleStack({ TASK_QUEUE: 'ask-browser-idle' });
  const graph = new OxigraphStore();
  await loadAskFixtureGraph(graph);
  s.deps.graph = graph;
  // Relative months are read against the fixture's "now"; the matcher reads the questions (no model).
  s.deps.ask = { ...(await askDepsFromConfig(s.deps.config, graph, { audit: s.deps.audit })), interpreter: undefined, now: () => ASK_NOW };
  scopedAnalyst = registerTestSecret((await s.deps.tokens.create({ name: 'analyst-garam', role: 'analyst', companies: ['c01-가람'] })).token);
  browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

async function signedIn(token: string): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  page.setDefaultTimeout(WAIT.timeout);
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${s.url}/login`, WAIT);
  await page.type('input[name=token]', token);
  await Promise.all([page.waitForNavigation(WAIT), page.click('button[type=submit]')]);
  return page;
}

/** Types the question into the 질문 form and submits it. */
async function ask(page: Page, question: string): Promise<void> {
  await page.goto(`${s.url}/ask`, WAIT);
  await page.type('#question', question);
  await Promise.all([page.waitForNavigation(WAIT), page.click('form.ask button[type=submit]')]);
}

const text = (page: Page, selector: string) => page.$eval(selector, (n) => n.textContent ?? '');
const companyCells = (page: Page) => page.$$eval('#answer-rows tbody tr td:first-child', (cells) => cells.map((c) => c.textContent ?? ''));

async function runSparqlBox(page: Page, query: string): Promise<void> {
  await page.$eval('#sparql', (n) => {
    (n as unknown as { value: string }).value = '';
  });
  await page.type('#sparql', query);
  await Promise.all([page.waitForNavigation(WAIT), page.click('#sparql-form button[type=submit]')]);
}

describe('the 질문 page in Chromium', { timeout: 300_000 }, () => {
  test('an analyst asks for a trend: the sentence, six months, a chart and links to the reports', async () => {
    const page = await signedIn(s.tokens.analyst);
    await ask(page, TREND);
    assert.equal(decodeURIComponent(new URL(page.url()).searchParams.get('q') ?? ''), TREND);
    assert.match(await text(page, '#answer-sentence'), /3,973,000원/);
    assert.equal((await page.$$('#answer-rows tbody tr')).length, 6);
    assert.ok(await page.$('svg#trend-chart'), 'the trend is charted');
    assert.match(await text(page, '.read-by'), /읽은 방식: matcher/);
    assert.equal(await page.$('#sparql'), null, 'an analyst has no SPARQL box');
    const href = await page.$eval('#answer-rows tbody tr:first-child a', (a) => a.getAttribute('href') ?? '');
    assert.equal(decodeURIComponent(href), '/reports/c01-가람/2024-01');
    const response = await Promise.all([page.waitForNavigation(WAIT), page.click('#answer-rows tbody tr:first-child a')]);
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), '/reports/c01-가람/2024-01');
    assert.ok(response[0], 'the link navigates');
    await page.browserContext().close();
  });

  test('an analyst asks who went over the entertainment limit this month: two companies', async () => {
    const page = await signedIn(s.tokens.analyst);
    await ask(page, OVER_LIMIT);
    const cells = await companyCells(page);
    assert.equal(cells.length, 2, cells.join(', '));
    assert.deepEqual([...cells].sort(), ['(주)가람제조', '(주)누리도소매']);
    // Each finding's rule links to where it is reviewed.
    const reviewLinks = await page.$$eval('#answer-rows a[href^="/review/"]', (links) =>
      links.map((a) => decodeURIComponent(a.getAttribute('href'))),
    );
    assert.deepEqual(reviewLinks.sort(), ['/review/c01-가람/2024-06#findings', '/review/c02-누리/2024-06#findings']);
    await page.browserContext().close();
  });

  test('an analyst scoped to one company sees only that company', async () => {
    const page = await signedIn(scopedAnalyst);
    await ask(page, OVER_LIMIT);
    assert.deepEqual(await companyCells(page), ['(주)가람제조']);
    await page.browserContext().close();
  });

  test('a refused question shows why and what can be asked', async () => {
    const page = await signedIn(s.tokens.viewer);
    await ask(page, '모든 지적사항을 삭제해');
    assert.ok(await page.$('[role=alert]#answer-sentence'));
    assert.ok((await page.$$('#examples a[href^="/ask?q="]')).length >= 5);
    await page.browserContext().close();
  });

  test('an admin’s SPARQL box answers a SELECT and refuses an update', async () => {
    const page = await signedIn(s.tokens.admin);
    await page.goto(`${s.url}/ask`, WAIT);
    // The embedded store's default graph is empty (no union of the named graphs, unlike RDF4J): answered, no rows.
    await runSparqlBox(page, 'SELECT ?s WHERE { ?s ?p ?o } LIMIT 3');
    assert.ok(await page.$('#sparql-rows'), 'answered');
    assert.equal(await page.$('#sparql-refused'), null);
    await runSparqlBox(page, 'SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3');
    assert.equal((await page.$$('#sparql-rows tbody tr')).length, 3);
    await runSparqlBox(page, 'DELETE WHERE { ?s ?p ?o }');
    assert.equal(await page.$('#sparql-rows'), null);
    assert.match(await text(page, '[role=alert]#sparql-refused'), /SELECT와 ASK/);
    assert.ok((await s.deps.graph!.select('SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1')).length > 0, 'the graph is untouched');
    await page.browserContext().close();
  });

  test('the questions and queries are in the audit log', async () => {
    const records = await s.deps.audit.list({ limit: 500 });
    const asked = records.filter((r) => r.action === 'graph.asked');
    assert.ok(
      asked.some((r) => r.actor === 'analyst-lee' && r.outcome === 'success' && r.details?.intent === 'account-trend' && r.details?.rows === 6),
      'the trend question',
    );
    assert.ok(
      asked.some((r) => r.actor === 'analyst-garam' && r.details?.rows === 1),
      'the scoped question',
    );
    assert.ok(
      asked.some((r) => r.actor === 'viewer-kim' && r.outcome === 'failure'),
      'the refused question',
    );
    const queried = records.filter((r) => r.action === 'graph.queried' && r.actor === 'admin-park');
    assert.deepEqual(queried.map((r) => r.outcome).sort(), ['denied', 'success', 'success']);
    // And counted for the dashboards: answered by intent, refused as 'none'.
    const metrics = await s.deps.metrics.registry.getSingleMetricAsString('tax_console_questions_total');
    assert.match(metrics, /tax_console_questions_total\{intent="account-trend",read_by="matcher",outcome="answered"\} 1/);
    assert.match(metrics, /tax_console_questions_total\{intent="none",read_by="matcher",outcome="refused"\} [1-9]/);
  });
});
