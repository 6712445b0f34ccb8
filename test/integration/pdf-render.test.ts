import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FindingsDocument } from '../../lib/domain/findings';
import { PdfRenderer } from '../../lib/report/pdf-renderer';
import { renderDataQualityReportHtml } from '../../lib/report/data-quality-report';
import { renderReportHtml } from '../../lib/report/customer-report';

import { sampleCompany, sampleFindings } from '../../dev/sample-documents';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const OPTS = { firmName: '한결세무법인', advisor: '김세무 세무사' };

const company = sampleCompany();

/** A December report whose memo and narrative try to load from the beacon server. */
function findingsDocument(beacon: string): { doc: FindingsDocument; memo: string } {
  const memo = `거래처 접대 <img src="${beacon}/beacon"> <script src="${beacon}/script.js"></script>`;
  const doc = sampleFindings(company, {
    riskLevel: 'HIGH',
    dataQuality: { conforms: true, violations: 0, warnings: 1, details: [] },
    findings: [
      {
        ruleId: 'ENT-LIMIT',
        category: 'ENTERTAINMENT_LIMIT',
        severity: 'HIGH',
        amount: 41_250_000,
        threshold: 39_000_000,
        message: '기업업무추진비 누계가 한도를 초과했습니다',
        basis: '법인세법 §25④, 시행령 §42',
        evidence: [{ date: '2024-12-03', voucher: '00012', account: '813', amount: 1_200_000, memo }],
      },
      {
        ruleId: 'LOAN-INSIDER',
        category: 'PROVISIONAL_PAYMENT',
        severity: 'MEDIUM',
        amount: 80_000_000,
        threshold: 0,
        accruedInterest: 312_547,
        message: '가지급금 월말 잔액이 있습니다',
        basis: '시행령 §89③, 시행규칙 §43②',
        evidence: [{ date: '2024-12-20', voucher: '00031', account: '134', amount: 30_000_000, memo: '대표이사 대여' }],
      },
      {
        ruleId: 'DEADLINE',
        category: 'FILING_DEADLINE',
        severity: 'INFO',
        dueDate: '2025-01-10',
        message: '원천세 신고·납부 기한입니다',
        basis: '소득세법 §128',
        evidence: [],
      },
    ],
    metrics: {
      revenueMonth: 152_000_000,
      expenseMonth: 98_500_000,
      revenueYtd: 1_634_000_000,
      expenseYtd: 1_201_000_000,
      lineCount: 412,
      ytdMonths: [],
      ytdMonthsMissing: [],
    },
    narrative: {
      model: 'offline',
      fallbackUsed: true,
      cached: false,
      text: `이번 달은 기업업무추진비 한도 초과가 가장 큰 위험입니다.\n\n<link rel="stylesheet" href="${beacon}/narrative.css">가지급금 회수 계획도 필요합니다.`,
    },
  });
  return { doc, memo };
}

async function pdfToText(pdf: Buffer, dir: string): Promise<string> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(file, pdf);
  return (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
}

/** pdffonts rows, cut at the column boundaries its dashed rule line draws. */
async function pdfFonts(pdf: Buffer, dir: string): Promise<{ name: string; type: string; emb: string; uni: string }[]> {
  const file = join(dir, 'fonts.pdf');
  await writeFile(file, pdf);
  const lines = (await run('pdffonts', [file])).stdout.split('\n');
  const rule = lines.findIndex((l) => l.startsWith('---'));
  const columns = [...lines[rule]!.matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length] as const);
  const cell = (line: string, i: number) => line.slice(columns[i]![0], columns[i]![1]).trim();
  return lines
    .slice(rule + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => ({ name: cell(l, 0), type: cell(l, 1), emb: cell(l, 3), uni: cell(l, 5) }));
}

/** Text extraction breaks lines wherever the layout wrapped them. */
const squash = (s: string) => s.replace(/\s+/g, '');

describe('PDF rendering', () => {
  let server: Server;
  let beacon: string;
  const hits: string[] = [];
  let renderer: PdfRenderer;
  let dir: string;

  before(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    beacon = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    renderer = await PdfRenderer.launch({ executablePath: CHROMIUM, maxPages: 2 });
    dir = await mkdtemp(join(tmpdir(), 'pdf-render-test-'));
  });

  after(async () => {
    await renderer.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('report HTML carries hostile text only as escaped text', () => {
    const { doc } = findingsDocument(beacon);
    const markup = renderReportHtml({ ...doc, companyName: '(주)<b>한빛</b>' }, OPTS);
    assert.doesNotMatch(markup, /<(script|img|link|iframe|b)\b/i);
    assert.match(markup, /&lt;img src=&quot;http:\/\/127\.0\.0\.1:\d+\/beacon&quot;&gt;/);
    assert.match(markup, /&lt;b&gt;한빛&lt;\/b&gt;/);
    assert.match(markup, /2024년 12월/);
    assert.match(markup, /2025-01-03 09:30 KST/, 'generation time is shown in Asia/Seoul');
    assert.match(markup, /41,250,000원/);
    assert.match(markup, /요약 작성: 오프라인 \(규칙 기반, AI 모델 응답 실패로 대체\)/);
  });

  test('renders the report: text, escaped memo, embedded CJK font, no network', async (t) => {
    const { doc, memo } = findingsDocument(beacon);
    const started = performance.now();
    const pdf = await renderer.render(renderReportHtml(doc, OPTS));
    t.diagnostic(`report render: ${Math.round(performance.now() - started)} ms, ${pdf.length} bytes`);

    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = squash(await pdfToText(pdf, dir));
    for (const expected of [
      company.name,
      '최종 판단은 담당 세무사가 합니다.',
      '2024년 12월',
      '김세무 세무사',
      ...doc.findings.map((f) => f.message),
      '현재상황',
      '근거',
      '결론',
      '참고',
      '1 / ', // footer page numbers
      memo,
    ]) {
      assert.ok(text.includes(squash(expected)), `PDF text lacks ${JSON.stringify(expected)}`);
    }

    // Chromium's PDF backend (Skia) cannot embed OpenType-CFF fonts such as Noto Sans CJK as CID
    // fonts and embeds their glyph outlines as unnamed Type 3 fonts instead, so the CJK font cannot be
    // picked out by name: every font must be embedded and map back to Unicode (the Hangul above).
    const fonts = await pdfFonts(pdf, dir);
    assert.ok(fonts.length > 0);
    assert.ok(
      fonts.every((f) => f.emb === 'yes' && f.uni === 'yes'),
      `every font embedded with a Unicode map: ${JSON.stringify(fonts)}`,
    );
    assert.deepEqual(hits, []);
  });

  test('blocks every request even for unescaped markup', async () => {
    const pdf = await renderer.render(
      `<html><head><link rel="stylesheet" href="${beacon}/raw.css"></head><body><img src="${beacon}/raw.png"><iframe src="${beacon}/frame"></iframe><script>fetch('${beacon}/js')</script><p>raw</p></body></html>`,
    );
    assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
    assert.deepEqual(hits, []);
  });

  test('renders the data-quality error report with escaped locations', async () => {
    const { doc } = findingsDocument(beacon);
    const failed: FindingsDocument = {
      ...doc,
      riskLevel: 'HIGH',
      findings: [],
      dataQuality: {
        conforms: false,
        violations: 2,
        warnings: 1,
        details: [
          { ruleId: 'DQ-BIZREGNO', severity: 'Warning', message: '사업자등록번호 검증번호 불일치', focus: 'company.json' },
          { ruleId: 'DQ-DATE', severity: 'Violation', message: '일자가 2024-11로 파일의 월과 다릅니다', focus: 'ledger/2024-12.csv', sourceLine: 15 },
          {
            ruleId: 'DQ-BALANCE',
            severity: 'Violation',
            message: `전표 00007 차대 불일치 <script>alert(1)</script>`,
            focus: 'ledger/2024-12.csv',
            sourceLine: 22,
          },
        ],
      },
    };
    const markup = renderDataQualityReportHtml(failed, OPTS);
    assert.doesNotMatch(markup, /<script/i);
    const text = squash(await pdfToText(await renderer.render(markup), dir));
    for (const expected of [
      'DQ-DATE',
      'DQ-BALANCE',
      'DQ-BIZREGNO',
      'ledger/2024-12.csv:15',
      'ledger/2024-12.csv:22',
      '<script>alert(1)</script>',
      company.name,
    ]) {
      assert.ok(text.includes(squash(expected)), `PDF text lacks ${JSON.stringify(expected)}`);
    }
    assert.deepEqual(hits, []);
  });

  test('a killed browser is replaced before the next render', async () => {
    const launches = renderer.stats.browserLaunches;
    const pid = renderer.browserPid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    const pdf = await renderer.render('<p>다시 시작</p>');
    assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
    assert.equal(renderer.stats.browserLaunches, launches + 1);
    assert.notEqual(renderer.browserPid, pid);
  });

  test('never runs more than maxPages renders at once', async (t) => {
    const { doc } = findingsDocument(beacon);
    const markup = renderReportHtml(doc, OPTS);
    const started = performance.now();
    const pdfs = await Promise.all(Array.from({ length: 6 }, () => renderer.render(markup)));
    t.diagnostic(`6 reports on 2 pages: ${Math.round(performance.now() - started)} ms`);
    assert.equal(pdfs.length, 6);
    assert.ok(pdfs.every((p) => p.subarray(0, 4).toString('latin1') === '%PDF'));
    // All six were queued in one tick, so the pool filled up exactly to its bound.
    assert.equal(renderer.stats.peakActiveRenders, 2);
    assert.equal(renderer.stats.activeRenders, 0);
  });
});
