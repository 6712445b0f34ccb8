import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../dev/free-port';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';
import { startSmtpServer } from '../../dev/servers/smtp-server';
import { simpleParser } from 'mailparser';
import {
  MailHeaderError,
  composeDataQualityMail,
  composeReportMail,
  reportDeliveryKey,
  type ReportMailOptions,
} from '../../lib/mail/compose-report-mail';
import { MailDeliveryError, createMailTransport, deliveryKeyHash, deliveryMessageId } from '../../lib/mail/mail-transport';

const company = sampleCompany();

const doc = sampleFindings(company, {
  riskLevel: 'HIGH',
  dataQuality: {
    conforms: false,
    violations: 1,
    warnings: 0,
    details: [{ ruleId: 'DQ-DATE', severity: 'Violation', message: '일자가 파일의 월과\r\n다릅니다', focus: 'ledger/2024-12.csv', sourceLine: 15 }],
  },
  findings: [
    { ruleId: 'ENT-LIMIT', category: 'ENTERTAINMENT_LIMIT', severity: 'HIGH', message: '한도 초과', basis: '법인세법 §25④', evidence: [] },
    { ruleId: 'ENT-PROOF', category: 'MISSING_PROOF', severity: 'MEDIUM', message: '증빙 누락', basis: '시행령 §41', evidence: [] },
    {
      ruleId: 'DEADLINE',
      category: 'FILING_DEADLINE',
      severity: 'INFO',
      dueDate: '2025-01-10',
      message: '원천세',
      basis: '법인세법 §60',
      evidence: [],
    },
  ],
});

const pdf = Buffer.from('%PDF-1.7\n% test body \x00\xff\n%%EOF\n', 'latin1');
const WORKFLOW_ID = 'monthly-report/c00-한빛/2024-12';

function mailOptions(to = 'ceo0@example.kr'): ReportMailOptions {
  return { firmName: '한결세무법인', from: 'reports@hangyeol-tax.kr', to, deliveryKey: reportDeliveryKey(WORKFLOW_ID, to), pdf };
}

/** Every file under dir with its content, to prove a call wrote nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, (await readFile(f)).toString('base64')])));
}

describe('report mail, outbox mode', () => {
  let outboxDir: string;
  before(async () => {
    outboxDir = await mkdtemp(join(tmpdir(), 'mail-outbox-test-'));
  });
  after(() => rm(outboxDir, { recursive: true, force: true }));

  test('writes a parseable .eml once per delivery key', async () => {
    const transport = createMailTransport({ outboxDir });
    const opts = mailOptions();
    const message = composeReportMail(doc, company, opts);

    const first = await transport.send(message, opts.deliveryKey);
    assert.equal(first.alreadySent, false);
    assert.equal(first.messageId, deliveryMessageId(opts.deliveryKey));
    assert.equal(first.outboxPath, join(outboxDir, `${deliveryKeyHash(opts.deliveryKey)}.eml`));

    const parsed = await simpleParser(await readFile(first.outboxPath));
    assert.equal(parsed.subject, '[한결세무법인] (주)한빛노무법인 2024년 12월 세무 리스크 리포트');
    assert.equal(parsed.messageId, first.messageId);
    assert.equal(parsed.from?.value[0]?.name, '한결세무법인');
    assert.equal(parsed.from?.value[0]?.address, 'reports@hangyeol-tax.kr');
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.match(parsed.text ?? '', /종합 위험도: 높음 \(HIGH\)/);
    assert.match(parsed.text ?? '', /발견 사항: 2건 \(높음 1, 보통 1\)/);
    assert.match(parsed.text ?? '', /최종 판단은 담당 세무사가 합니다\./);
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]!.filename, 'c00-한빛-2024-12-report.pdf');
    assert.equal(parsed.attachments[0]!.contentType, 'application/pdf');
    assert.deepEqual(parsed.attachments[0]!.content, pdf);

    const before = await snapshot(outboxDir);
    const second = await transport.send(composeReportMail(doc, company, opts), opts.deliveryKey);
    assert.deepEqual(second, { messageId: first.messageId, outboxPath: first.outboxPath, alreadySent: true });
    assert.deepEqual(await snapshot(outboxDir), before);
    transport.close();
  });

  test('the Message-ID depends only on the delivery key', () => {
    const a = composeReportMail(doc, company, mailOptions('ceo0@example.kr'));
    const again = composeReportMail({ ...doc, riskLevel: 'LOW' }, company, mailOptions('ceo0@example.kr'));
    const other = composeReportMail(doc, company, mailOptions('cfo@example.kr'));
    assert.match(String(a.messageId), /^<[0-9a-f]{64}@tax-reports\.local>$/);
    assert.equal(a.messageId, again.messageId);
    assert.notEqual(a.messageId, other.messageId);
  });

  test('concurrent sends of one key deliver once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mail-concurrent-test-'));
    const transport = createMailTransport({ outboxDir: dir });
    const opts = mailOptions('concurrent@example.kr');
    const message = composeReportMail(doc, company, opts);
    const results = await Promise.all([transport.send(message, opts.deliveryKey), transport.send(message, opts.deliveryKey)]);
    assert.deepEqual(results.map((r) => r.alreadySent).sort(), [false, true]);
    assert.equal((await readdir(dir)).filter((f) => f.endsWith('.eml')).length, 1);
    transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the data-quality mail goes to the admin with the error report attached', async () => {
    const transport = createMailTransport({ outboxDir });
    const opts = mailOptions('admin@hangyeol-tax.kr');
    const sent = await transport.send(composeDataQualityMail(doc, company, opts), opts.deliveryKey);
    const parsed = await simpleParser(await readFile(sent.outboxPath!));
    assert.equal(parsed.subject, '[한결세무법인] 데이터 품질 오류: (주)한빛노무법인 2024년 12월 (위반 1건)');
    assert.match(parsed.text ?? '', /- \[DQ-DATE\] ledger\/2024-12\.csv 15행: 일자가 파일의 월과 다릅니다/);
    assert.equal(parsed.attachments[0]!.filename, 'c00-한빛-2024-12-data-quality-report.pdf');
    transport.close();
  });

  test('header injection and bad addresses are refused', () => {
    const injected = { ...company, name: '(주)회사\r\nBcc: x@evil.example' };
    assert.throws(() => composeReportMail(doc, injected, mailOptions()), MailHeaderError);
    assert.throws(() => composeDataQualityMail(doc, injected, mailOptions()), MailHeaderError);
    assert.throws(() => composeReportMail(doc, company, { ...mailOptions(), firmName: '세무법인\nBcc: x@evil.example' }), MailHeaderError);
    for (const to of [
      'ceo0@example.kr\r\nBcc: x@evil.example',
      'ceo0@example.kr, x@evil.example',
      '"CEO" <ceo0@example.kr>',
      'ceo0',
      'ceo0@localhost',
    ]) {
      assert.throws(() => composeReportMail(doc, company, mailOptions(to)), MailHeaderError, to);
    }
    assert.throws(() => composeReportMail(doc, company, { ...mailOptions(), from: 'reports@hangyeol-tax.kr\nBcc: x@evil.example' }), MailHeaderError);
  });
});

describe('report mail, SMTP mode', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let dir: string;
  before(async () => {
    smtp = await startSmtpServer();
    dir = await mkdtemp(join(tmpdir(), 'mail-smtp-test-'));
  });
  after(async () => {
    await smtp.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('delivers once over STARTTLS; a retry is skipped', async () => {
    smtp.received.length = 0;
    const transport = createMailTransport({ smtpUrl: smtp.url, outboxDir: join(dir, 'once') });
    const opts = mailOptions();
    const message = composeReportMail(doc, company, opts);

    const first = await transport.send(message, opts.deliveryKey);
    const second = await transport.send(message, opts.deliveryKey);
    transport.close();

    assert.equal(first.alreadySent, false);
    assert.equal(first.outboxPath, undefined);
    assert.deepEqual(second, { messageId: first.messageId, outboxPath: undefined, alreadySent: true });
    assert.equal(smtp.received.length, 1);
    assert.equal(smtp.received[0]!.secure, true, 'smtp:// upgrades with STARTTLS when offered');
    const parsed = await simpleParser(smtp.received[0]!.raw);
    assert.equal(parsed.messageId, first.messageId);
    assert.equal(parsed.attachments[0]!.filename, 'c00-한빛-2024-12-report.pdf');
    assert.deepEqual(parsed.attachments[0]!.content, pdf);
  });

  test('451 is retryable and records nothing, so the retry delivers', async () => {
    smtp.received.length = 0;
    const transport = createMailTransport({ smtpUrl: smtp.url, outboxDir: join(dir, 'greylisted') });
    const opts = mailOptions();
    const message = composeReportMail(doc, company, opts);

    smtp.state.rcptCode = 451;
    await assert.rejects(transport.send(message, opts.deliveryKey), (err: unknown) => {
      assert.ok(err instanceof MailDeliveryError);
      assert.equal(err.retryable, true);
      assert.equal(err.responseCode, 451);
      return true;
    });
    smtp.state.rcptCode = undefined;
    const retry = await transport.send(message, opts.deliveryKey);
    transport.close();

    assert.equal(retry.alreadySent, false);
    assert.equal(smtp.received.length, 1);
  });

  test('550 is not retryable', async () => {
    smtp.received.length = 0;
    const transport = createMailTransport({ smtpUrl: smtp.url, outboxDir: join(dir, 'refused') });
    const opts = mailOptions('nobody@example.kr');
    smtp.state.rcptCode = 550;
    try {
      await assert.rejects(transport.send(composeReportMail(doc, company, opts), opts.deliveryKey), (err: unknown) => {
        assert.ok(err instanceof MailDeliveryError);
        assert.equal(err.retryable, false);
        assert.equal(err.responseCode, 550);
        return true;
      });
    } finally {
      smtp.state.rcptCode = undefined;
      transport.close();
    }
    assert.equal(smtp.received.length, 0);
  });

  test('an unreachable server is retryable', async () => {
    // A port that was just free: nothing listens there any more.
    const port = await freePort();

    const transport = createMailTransport({ smtpUrl: `smtp://127.0.0.1:${port}`, outboxDir: join(dir, 'down') });
    const opts = mailOptions();
    await assert.rejects(transport.send(composeReportMail(doc, company, opts), opts.deliveryKey), (err: unknown) => {
      assert.ok(err instanceof MailDeliveryError);
      assert.equal(err.retryable, true);
      assert.equal(err.responseCode, undefined);
      return true;
    });
    transport.close();
  });

  test('a relay that offers no STARTTLS (or has it stripped) gets nothing: a clear, final error instead of a cleartext send', async () => {
    const stripped = await startSmtpServer({ starttls: false });
    const transport = createMailTransport({ smtpUrl: stripped.url, outboxDir: join(dir, 'stripped') });
    const opts = mailOptions();
    try {
      await assert.rejects(transport.send(composeReportMail(doc, company, opts), opts.deliveryKey), (err: unknown) => {
        assert.ok(err instanceof MailDeliveryError);
        assert.equal(err.retryable, false, 'a retry would meet the same relay');
        assert.match(err.message, /did not start TLS.*nothing was sent in cleartext/);
        return true;
      });
      assert.equal(stripped.received.length, 0);
      assert.deepEqual(await readdir(join(dir, 'stripped')).catch(() => []), [], 'no ledger entry');
    } finally {
      transport.close();
      await stripped.close();
    }
  });

  test('SMTP_ALLOW_PLAINTEXT: a loopback relay without STARTTLS gets the mail in cleartext, and the transport says so when it starts', async () => {
    const catcher = await startSmtpServer({ starttls: false });
    const warnings: object[] = [];
    const transport = createMailTransport({
      smtpUrl: catcher.url,
      allowPlaintext: true,
      outboxDir: join(dir, 'plaintext'),
      log: { warn: (details) => warnings.push(details) },
    });
    const opts = mailOptions();
    try {
      await transport.send(composeReportMail(doc, company, opts), opts.deliveryKey);
    } finally {
      transport.close();
      await catcher.close();
    }
    assert.equal(catcher.received.length, 1);
    assert.equal(catcher.received[0]!.secure, false);
    assert.match(JSON.stringify(warnings), /smtp_tls_relaxed.*SMTP_ALLOW_PLAINTEXT/);
  });
});
