// The console driven in real headless Chromium: sign in, list, download allowed and denied by role, sign out.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { launch, type Browser, type Page } from 'puppeteer';
import { CHROMIUM_ARGS } from '../../lib/report/pdf-renderer';
import { OTHER_COMPANY, REPORT_COMPANY, REPORT_PERIOD, startConsoleStack, type ConsoleStack } from '../support/console-stack';

let s: ConsoleStack;
let browser: Browser;

before(async () => {
  s = await startConsoleStack({ TASK_QUEUE: 'console-browser-idle' });
  browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

/** A fresh browser context (no cookies) signed in with `token`, on the page the sign-in leads to. */
async function signedIn(token: string, downloadPath?: string): Promise<Page> {
  const context = await browser.createBrowserContext(downloadPath ? { downloadBehavior: { policy: 'allow', downloadPath } } : {});
  const page = await context.newPage();
  await page.goto(`${s.url}/`);
  assert.match(page.url(), /\/login\?next=%2F$/, 'an anonymous visit lands on the sign-in page');
  await page.type('input[name=token]', token);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return page;
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent?.trim() ?? ''));
}

async function downloadedFile(dir: string): Promise<Buffer> {
  for (let i = 0; i < 100; i++) {
    const done = (await readdir(dir)).find((f) => f.endsWith('.pdf'));
    if (done) return readFile(path.join(dir, done));
    await sleep(100);
  }
  throw new Error(`no PDF downloaded into ${dir}`);
}

describe('console in Chromium', () => {
  test('a viewer signs in, sees the companies and the month, opens the report and downloads its PDF', async () => {
    const downloads = await mkdtemp(path.join(tmpdir(), 'console-download-'));
    const page = await signedIn(s.tokens.viewer, downloads);
    assert.equal(new URL(page.url()).pathname, '/');
    const companyLinks = await texts(page, 'main table:first-of-type tbody a');
    assert.ok(companyLinks.includes(REPORT_COMPANY), companyLinks.join(', '));
    assert.deepEqual(await texts(page, 'header nav a'), ['기업·리포트', '질문'], 'a viewer sees no costs, settings or audit');
    assert.equal(await page.$eval('header .who', (n) => n.getAttribute('data-role')), 'viewer');

    await Promise.all([page.waitForNavigation(), page.click(`a[href="/companies/${encodeURIComponent(REPORT_COMPANY)}"]`)]);
    assert.equal(await page.$('form#start-run'), null, 'no start form for a viewer');
    const row = await page.$(`tr[data-workflow-id="tax-report-${REPORT_COMPANY}-${REPORT_PERIOD}"]`);
    assert.ok(row, 'the finished month is listed');
    assert.match((await row.evaluate((n) => n.textContent)) ?? '', /COMPLETED/);

    await Promise.all([page.waitForNavigation(), row.$eval('a[href$="/' + REPORT_PERIOD + '"]', (a) => (a as unknown as { click(): void }).click())]);
    const stored = JSON.parse((await s.deps.objects.get(`${REPORT_COMPANY}/${REPORT_PERIOD}/findings.json`)).toString()) as {
      riskLevel: string;
      findings: unknown[];
    };
    assert.equal(await page.$eval('#risk-level', (n) => n.textContent), stored.riskLevel);
    assert.equal((await page.$$('main table tbody tr')).length, stored.findings.length);

    try {
      await page.click('a.download');
      const pdf = await downloadedFile(downloads);
      assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
      assert.deepEqual(pdf, await s.deps.objects.get(`${REPORT_COMPANY}/${REPORT_PERIOD}/report.pdf`));
    } finally {
      await rm(downloads, { recursive: true, force: true });
    }
    await page.browserContext().close();
  });

  test("a viewer scoped to one company is refused another company's report and the admin pages", async () => {
    const page = await signedIn(s.tokens.scopedViewer);
    assert.deepEqual(await texts(page, 'main table:first-of-type tbody a'), [REPORT_COMPANY]);
    const denied = await page.goto(`${s.url}/reports/${encodeURIComponent(OTHER_COMPANY)}/${REPORT_PERIOD}/report.pdf`);
    assert.equal(denied?.status(), 403);
    assert.match(await page.$eval('main', (n) => n.textContent ?? ''), /권한이 없습니다/);
    assert.equal((await page.goto(`${s.url}/settings`))?.status(), 403);
    assert.equal((await page.goto(`${s.url}/audit`))?.status(), 403);
    await page.browserContext().close();
  });

  test('an analyst starts a run from the company page; an admin sees secrets by name only, and the audit trail', async () => {
    const analyst = await signedIn(s.tokens.analyst);
    await analyst.goto(`${s.url}/companies/${encodeURIComponent(REPORT_COMPANY)}`);
    await analyst.type('form#start-run input[name=period]', '2020-05');
    await Promise.all([analyst.waitForNavigation(), analyst.click('form#start-run button')]);
    assert.match(await analyst.$eval('.notice', (n) => n.textContent ?? ''), new RegExp(`tax-report-${REPORT_COMPANY}-2020-05`));
    assert.equal((await analyst.goto(`${s.url}/settings`))?.status(), 200);
    assert.equal(await analyst.$('table#secrets'), null, 'secrets are for admins');
    assert.equal(await analyst.$('form#schedule-form'), null, 'configuration changes are for admins');
    await analyst.browserContext().close();

    const admin = await signedIn(s.tokens.admin);
    await admin.goto(`${s.url}/settings`);
    const secretRows = await texts(admin, 'table#secrets tbody tr td:first-child');
    assert.ok(secretRows.includes('CONSOLE_SESSION_SECRET'));
    const html = await admin.content();
    assert.ok(!html.includes(s.config.CONSOLE_SESSION_SECRET!), 'the secret value is never on the page');
    await admin.goto(`${s.url}/audit`);
    assert.match(await admin.$eval('#audit-verify', (n) => n.textContent ?? ''), /검증 통과/);
    const actions = await texts(admin, 'main table tbody tr td:nth-child(3)');
    for (const action of ['report.generated', 'login.succeeded', 'report.viewed', 'report.downloaded', 'run.started', 'access.denied']) {
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    }
    await Promise.all([admin.waitForNavigation(), admin.click('header form button')]);
    assert.match(admin.url(), /\/login$/);
    assert.equal((await admin.goto(`${s.url}/`))?.url().includes('/login'), true, 'signed out');
    await admin.browserContext().close();
  });
});
