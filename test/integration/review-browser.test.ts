// The accountant's workbench in real headless Chromium, on a graph server shared by the worker and the console (as
// deployed): an analyst opens the month, reviews the waiting report, marks a finding 오탐, rewrites the summary and
// approves; the customer's e-mail carries the approved version. A viewer cannot approve, and an analyst of another
// company can neither see nor approve it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launch, type Browser, type Page } from 'puppeteer';
import type { FindingsDocument } from '../../lib/domain/findings';
import { HttpGraphStore } from '../../lib/graph/http-graph-store';
import { CHROMIUM_ARGS } from '../../lib/report/pdf-renderer';
import { CSRF_FIELD } from '../../console/http/csrf';
import { readReviews } from '../../lib/review/finding-reviews';
import { outboxMails, pdfText } from '../support/artifacts';
import { REPORT_COMPANY, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { startRdf4jServer, type Rdf4jServer } from '../../dev/servers/rdf4j-server';
import { until } from '../../dev/until';
import { approveReportUpdate, reviewDraftQuery, companyReportWorkflowId } from '../../lib/temporal-contract';

/** Reviewed here; the stack's own report (REPORT_COMPANY) goes out unreviewed when the stack starts. */
const COMPANY = 'c04-미르';
const ACCOUNTANT = '김세무';
/** Its 가지급금 balance is 80,000,000 in both months: the same finding, not grown. */
const LAST_MONTH = '2024-02';
const PERIOD = '2024-03';
const EDITED = '세무사 검토 요약: 다음 달 신고 일정을 확인하고 증빙을 미리 챙겨 주십시오.';
/** Set to a directory to keep the pages as PNGs (docs/accountant-guide.md's screenshots come from here). */
const SCREENSHOTS = process.env.SCREENSHOTS_DIR;

let rdf4j: Rdf4jServer;
let s: ConsoleStack;
let browser: Browser;
let graph: HttpGraphStore;
let tokens: { scopedAnalyst: string };

before(async () => {
  rdf4j = await startRdf4jServer();
  const shared = { GRAPHDB_URL: rdf4j.repositoryUrl };
  s = await startConsoleStack(shared, { ...shared, REVIEW_REQUIRED: COMPANY, REVIEW_DEADLINE: '1h' });
  graph = new HttpGraphStore({ repositoryUrl: rdf4j.repositoryUrl, timeoutMs: 30_000 });
  tokens = { scopedAnalyst: (await s.deps.tokens.create({ name: 'analyst-garam', role: 'analyst', companies: [REPORT_COMPANY] })).token };
  browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const master = path.join(s.h.config.ERP_DATA_DIR, 'companies', COMPANY, 'company.json');
  await writeFile(master, JSON.stringify({ ...JSON.parse(await readFile(master, 'utf8')), accountant: ACCOUNTANT }));
  // Last month, approved as it was (by API, as another tool would).
  const last = await startAndAwaitDraft(LAST_MONTH);
  await last.executeUpdate(approveReportUpdate, { args: [{ reviewer: { name: 'analyst-lee', role: 'analyst' }, draftVersion: 1 }] });
  await last.result();
});
after(async () => {
  await browser?.close();
  await graph?.close();
  await s?.stop();
  await rdf4j?.stop();
});

async function startAndAwaitDraft(period: string) {
  const handle = await s.h.client.workflow.start('monthlyCompanyReport', {
    taskQueue: s.h.config.TASK_QUEUE,
    workflowId: companyReportWorkflowId(COMPANY, period),
    args: [{ companyId: COMPANY, period }],
  });
  await until(async () => (await handle.query(reviewDraftQuery).catch(() => undefined))?.stage === 'awaiting-review', `the draft of ${period}`, {
    timeoutMs: 180_000,
    intervalMs: 200,
  });
  return handle;
}

async function signedIn(token: string): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${s.url}/login`);
  await page.type('input[name=token]', token);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A form post in the browser's session, with its CSRF token: only the permission can refuse it. */
async function postFromPage(page: Page, url: string, fields: Record<string, string>): Promise<number> {
  const csrf = await page.$eval(`input[name=${CSRF_FIELD}]`, (n) => n.getAttribute('value') ?? '');
  const cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const response = await fetch(`${s.url}${url}`, {
    method: 'POST',
    headers: { cookie, origin: s.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, [CSRF_FIELD]: csrf }).toString(),
    redirect: 'manual',
  });
  return response.status;
}

const submit = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);
const reviewUrl = `/review/${encodeURIComponent(COMPANY)}/${PERIOD}`;

describe('the accountant’s workbench in Chromium', () => {
  test('an analyst marks last month’s finding 오탐, opens the month, rewrites the summary, approves; the customer gets that version', async () => {
    const page = await signedIn(s.tokens.analyst);

    // Last month's report went out; its 가지급금 finding is marked 오탐 with the reason.
    await page.goto(`${s.url}/review/${encodeURIComponent(COMPANY)}/${LAST_MONTH}`);
    const loan = await page.$('tr[data-key^="LOAN-INSIDER|"]');
    assert.ok(loan, 'last month has the 가지급금 finding');
    const row = await loan.evaluate((n) => n.getAttribute('id'));
    const key = await loan.evaluate((n) => n.getAttribute('data-key'));
    await page.select(`#${row} select[name=status]`, 'false-positive');
    await page.type(`#${row} input[name=note]`, '대표이사 차입금과 상계 약정: 가지급금 아님');
    await submit(page, `#${row} button[type=submit]`);
    assert.equal(await page.$eval(`#${row}`, (n) => n.getAttribute('data-status')), 'false-positive');
    assert.match(await page.$eval(`#${row} .review-history`, (n) => n.textContent ?? ''), /v1 오탐 · analyst-lee/);
    await shot(page, 'finding-review');
    const stored = await readReviews(graph, COMPANY, [LAST_MONTH]);
    assert.deepEqual(
      stored.map((r) => [r.findingKey, r.status, r.note, r.reviewer, r.version, r.amount]),
      [[key, 'false-positive', '대표이사 차입금과 상계 약정: 가지급금 아님', 'analyst-lee', 1, 80_000_000]],
      'the review is in the knowledge graph',
    );

    // This month: the same finding is not raised again, and the month overview shows the company waiting for review.
    await startAndAwaitDraft(PERIOD);
    await page.goto(`${s.url}/months/${PERIOD}`);
    await shot(page, 'month-overview');
    const overviewRow = await page.$(`tr[data-company-id="${COMPANY}"]`);
    assert.ok(overviewRow, 'the company is in the month');
    const rowText = (await overviewRow.evaluate((n) => n.textContent)) ?? '';
    assert.match(rowText, /검토 대기/);
    assert.match(rowText, new RegExp(ACCOUNTANT));
    await Promise.all([page.waitForNavigation(), overviewRow.$eval(`a[href="${reviewUrl}"]`, (a) => (a as unknown as { click(): void }).click())]);
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/review/${COMPANY}/${PERIOD}`);
    assert.equal(await page.$eval('#draft-version', (n) => n.textContent), '1');
    assert.equal(await page.$('#findings tr[data-key^="LOAN-INSIDER|"]'), null, 'the dismissed finding is not in this month’s findings');
    assert.ok(await page.$(`#suppressed tr[data-key="${key}"]`), 'the firm sees what was left out, and why');
    assert.equal(await page.$eval(`#carry-over tr[data-key="${key}"]`, (n) => n.getAttribute('data-status')), 'false-positive');
    await shot(page, 'review-draft');

    // Rewrite the summary: the next draft is rendered from it.
    await page.$eval('#changes-form textarea[name=narrative]', (n) => {
      (n as unknown as { value: string }).value = '';
    });
    await page.type('#changes-form textarea[name=narrative]', EDITED);
    await page.type('#changes-form input[name=comment]', '요약을 고객 눈높이로');
    await submit(page, '#changes-form button[type=submit]');
    assert.equal(await page.$eval('#draft-version', (n) => n.textContent), '2');
    await shot(page, 'review-revised');
    const draft = await s.h.client.workflow.getHandle(companyReportWorkflowId(COMPANY, PERIOD)).query(reviewDraftQuery);

    await submit(page, '#approve-form button[type=submit]');
    assert.match(await page.$eval('main', (n) => n.textContent ?? ''), /제2안을 승인했습니다/);
    const result = await s.h.client.workflow.getHandle(companyReportWorkflowId(COMPANY, PERIOD)).result();
    assert.ok(result.emailsSent >= 1);

    const mails = (await outboxMails(s.h.config.OUTBOX_DIR)).filter((m) => m.subject?.includes('미르') && m.subject.includes('3월'));
    assert.equal(mails.length, 1, 'one report e-mail for the company-month');
    const pdf = mails[0]!.attachments.find((a) => a.contentType === 'application/pdf')!;
    assert.equal(createHash('sha256').update(pdf.content).digest('hex'), draft?.pdfSha256, 'the e-mail carries the approved draft');
    const file = path.join(s.h.dir, 'sent.pdf');
    await writeFile(file, pdf.content);
    const sent = (await pdfText(file)).replace(/\s+/g, '');
    assert.match(sent, new RegExp(EDITED.replace(/\s+/g, '').slice(0, 20)), 'the rewritten summary');
    assert.match(sent, /조치현황/, 'last month’s findings and their status');
    assert.match(sent, new RegExp(ACCOUNTANT), 'the company’s accountant on the cover');
    const doc = JSON.parse((await s.deps.objects.get(`${COMPANY}/${PERIOD}/findings.json`)).toString()) as FindingsDocument;
    assert.deepEqual(
      [doc.riskLevel, doc.findings.map((f) => f.ruleId), doc.suppressed?.map((f) => f.finding.ruleId)],
      ['NONE', ['DEADLINE', 'DEADLINE'], ['LOAN-INSIDER']],
      'the dismissed finding is not reported again, nor counted in the risk level',
    );

    const audit = await s.deps.audit.list({ limit: 50 });
    const decisions = audit.filter(
      (r) => r.target?.startsWith(`${COMPANY}/`) && ['finding.reviewed', 'report.changes_requested', 'report.approved'].includes(r.action),
    );
    assert.deepEqual(
      decisions.map((r) => [r.action, r.target, r.outcome, r.details?.draftVersion ?? r.details?.status]).reverse(),
      [
        ['finding.reviewed', `${COMPANY}/${LAST_MONTH}`, 'success', 'false-positive'],
        ['report.changes_requested', `${COMPANY}/${PERIOD}`, 'success', 1],
        ['report.approved', `${COMPANY}/${PERIOD}`, 'success', 2],
      ],
      'who approved what version is in the audit log',
    );
    await page.browserContext().close();
  });

  test('a viewer sees no decision forms and is refused an approval', async () => {
    const page = await signedIn(s.tokens.viewer);
    await page.goto(`${s.url}${reviewUrl}`);
    assert.equal(await page.$('#approve-form'), null);
    assert.equal(await page.$('form.finding-review'), null);
    assert.equal(await postFromPage(page, `${reviewUrl}/approve`, { draftVersion: '1' }), 403);
    await page.browserContext().close();
  });

  test('an analyst of another company can neither see the report nor approve it', async () => {
    const page = await signedIn(tokens.scopedAnalyst);
    const response = await page.goto(`${s.url}${reviewUrl}`);
    assert.equal(response?.status(), 403);
    await page.goto(`${s.url}/months/${PERIOD}`);
    assert.equal(await page.$(`tr[data-company-id="${COMPANY}"]`), null, 'not in the month overview either');
    assert.equal(await postFromPage(page, `${reviewUrl}/approve`, { draftVersion: '1' }), 403);
    await page.browserContext().close();
  });
});
