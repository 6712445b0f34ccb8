import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FindingsDocument, ReportFigures } from '../../lib/domain/findings';
import { PdfRenderer } from '../../lib/report/pdf-renderer';
import { renderReportHtml } from '../../lib/report/customer-report';

import { sampleCompany, sampleFindings } from '../../dev/sample-documents';

const run = promisify(execFile);
const OPTS = { firmName: '한결세무법인', advisor: '김세무 세무사' };
const HOSTILE_NAME = '광고<script>alert(1)</script>비';
const HOSTILE_MEMO = '현금 식대 <img src=x onerror=alert(1)> & "따옴표"';

const company = sampleCompany({
  id: 'c09-보람',
  name: '(주)보람제조',
  industry: '제조',
  reportRecipients: ['ceo@example.kr'],
  vehicles: [{ plate: '12가3456', businessInsurance: true, mileageLog: false }],
  openingBalances: { '134': 20_000_000 },
});

const months = ['2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12'];
const figures: ReportFigures = {
  pnl: {
    current: {
      period: '2024-12',
      revenue: 152_000_000,
      costOfSales: 61_000_000,
      manufacturingCost: 0,
      sga: [
        { code: '802', name: '직원급여', amount: 24_000_000 },
        { code: '833', name: HOSTILE_NAME, amount: 3_500_000 },
      ],
      sgaTotal: 27_500_000,
      operatingResult: 63_500_000,
      nonOperatingIncome: 120_000,
      nonOperatingExpense: 1_800_000,
      ordinaryResult: 61_820_000,
    },
    previous: {
      period: '2024-11',
      revenue: 140_000_000,
      costOfSales: 58_000_000,
      manufacturingCost: 0,
      sga: [{ code: '802', name: '직원급여', amount: 24_000_000 }],
      sgaTotal: 24_000_000,
      operatingResult: 58_000_000,
      nonOperatingIncome: 0,
      nonOperatingExpense: 1_800_000,
      ordinaryResult: 56_200_000,
    },
  },
  entertainment: { ytd: 41_250_000, limit: 39_000_000, warnLevel: 31_200_000 },
  vehicleCost: { ytd: 9_870_000, limit: 15_000_000, vehiclesWithoutLog: 1 },
  provisionalPayment: {
    account: '134',
    balance: 80_000_000,
    trend: months.map((period, i) => ({ period, balance: 20_000_000 + i * 12_000_000 })),
    accruedInterest: 312_547,
  },
  suspenseReceipt: { account: '257', balance: 5_000_000, trend: months.map((period) => ({ period, balance: 5_000_000 })) },
};

const doc = sampleFindings(company, {
  riskLevel: 'HIGH',
  dataQuality: { conforms: true, violations: 0, warnings: 0, details: [] },
  findings: [
    {
      ruleId: 'ENT-PROOF',
      category: 'MISSING_PROOF',
      severity: 'MEDIUM',
      amount: 85_000,
      threshold: 30_000,
      message: '적격증빙 없는 기업업무추진비 85,000원이 증빙 없이 인정되는 한도 30,000원을 넘었습니다.',
      basis: '시행령 §41',
      evidence: [{ date: '2024-12-14', voucher: '00007', account: '813', amount: 85_000, memo: HOSTILE_MEMO }],
    },
    {
      ruleId: 'EXP-PROOF',
      category: 'MISSING_PROOF',
      severity: 'MEDIUM',
      amount: 1_250_000,
      threshold: 1_000_000,
      message: '적격증빙 없는 경비 1건의 합계 1,250,000원이 1,000,000원을 넘었습니다.',
      basis: '법인세법 §75의5',
      evidence: [{ date: '2024-12-03', voucher: '00002', account: '812', amount: 1_250_000, memo: '출장비 현금' }],
    },
    {
      ruleId: 'DEADLINE',
      category: 'FILING_DEADLINE',
      severity: 'INFO',
      dueDate: '2025-01-10',
      message: '2025-01-10까지 원천세 신고·납부',
      basis: '법인세법 §60, §63',
      evidence: [],
    },
  ],
  metrics: {
    revenueMonth: 152_000_000,
    expenseMonth: 88_500_000,
    revenueYtd: 1_634_000_000,
    expenseYtd: 1_201_000_000,
    lineCount: 412,
    ytdMonths: months,
    ytdMonthsMissing: [],
  },
  narrative: { model: 'offline', fallbackUsed: false, cached: false, text: '이번 달 요약입니다.' },
  figures,
  carryOver: {
    previousPeriod: '2024-11',
    items: [
      {
        findingKey: 'LOAN-INSIDER|fy|2024-01',
        ruleId: 'LOAN-INSIDER',
        category: 'PROVISIONAL_PAYMENT',
        severity: 'MEDIUM',
        message: '가지급금 잔액 68,000,000원',
        amount: 68_000_000,
        status: 'resolved',
        note: '일부 상환 약정서 수취',
        reviewer: '김세무',
        reviewedAt: '2024-12-04T01:00:00Z',
        recurring: true,
      },
    ],
  },
});

/** Section headings in the order of docs/spec/tax-rules.md, "Report layout". */
const HEADINGS = [
  '요약',
  '월간 손익',
  '한도 관리',
  '가지급금·가수금',
  '적격증빙 누락',
  '다음 달 신고·납부 일정',
  '발견 사항',
  '조치 현황',
  '종합 의견',
];

/** Text extraction breaks lines wherever the layout wrapped them. */
const squash = (s: string) => s.replace(/\s+/g, '');

describe('report sections', () => {
  let renderer: PdfRenderer;
  let dir: string;

  before(async () => {
    renderer = await PdfRenderer.launch({ executablePath: '/usr/bin/chromium', maxPages: 1 });
    dir = await mkdtemp(join(tmpdir(), 'report-sections-'));
  });
  after(async () => {
    await renderer.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function pdfText(markup: string, name: string): Promise<string> {
    const file = join(dir, `${name}.pdf`);
    await writeFile(file, await renderer.render(markup));
    return squash((await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout);
  }

  test('every section in layout order, with the figures, charts and escaped client text', async () => {
    const markup = renderReportHtml(doc, OPTS);
    assert.equal(markup.match(/<svg class="chart gauge"/g)?.length, 2, 'entertainment and vehicle gauges');
    assert.equal(markup.match(/<svg class="chart bars"/g)?.length, 1, 'balance trend');
    assert.doesNotMatch(markup, /<script|<img|NaN|Infinity/);
    assert.match(markup, /광고&lt;script&gt;alert\(1\)&lt;\/script&gt;비/);
    assert.match(markup, /&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;따옴표&quot;/);

    const text = await pdfText(markup, 'full');
    let at = 0;
    for (const heading of HEADINGS) {
      const found = text.indexOf(squash(heading), at);
      assert.ok(found >= 0, `heading ${heading} missing or out of order`);
      at = found;
    }
    for (const expected of [
      '152,000,000원', // revenue
      '+12,000,000원', // its change
      '+8.6%',
      `833${HOSTILE_NAME}`,
      '63,500,000원', // operating result
      '61,820,000원', // ordinary result
      '41,250,000원', // entertainment YTD
      '39,000,000원', // its limit
      '105.8%',
      '9,870,000원', // vehicle cost YTD
      '15,000,000원',
      '80,000,000원', // 가지급금
      '312,547원', // 인정이자
      '5,000,000원', // 가수금
      HOSTILE_MEMO, // proof gap line
      '1,250,000원',
      '2건,합계1,335,000원',
      '일부 상환 약정서 수취', // 조치 현황
      '조치완료',
      '최종 판단은 담당 세무사가 합니다.',
    ]) {
      assert.ok(text.includes(squash(expected)), `PDF text lacks ${JSON.stringify(expected)}`);
    }
  });

  test('findings.json without figures (older runs): P&L totals from the metrics, no trackers', async () => {
    const { figures: _figures, ...older } = doc;
    const markup = renderReportHtml(older, OPTS);
    assert.doesNotMatch(markup, /<svg/);
    const text = await pdfText(markup, 'older');
    for (const expected of ['월간 손익', '88,500,000원', '1,634,000,000원', '적격증빙 누락', '발견 사항']) {
      assert.ok(text.includes(squash(expected)), `PDF text lacks ${JSON.stringify(expected)}`);
    }
    assert.ok(!text.includes('한도관리'));
  });

  test('missing parts say so instead of breaking the page', async () => {
    const partial: FindingsDocument = {
      ...doc,
      findings: [],
      figures: { pnl: { current: figures.pnl.current } },
    };
    const markup = renderReportHtml(partial, OPTS);
    assert.doesNotMatch(markup, /<svg/);
    const text = await pdfText(markup, 'partial');
    for (const expected of [
      '전월 장부가 없어 증감을 표시하지 않습니다.',
      '기업업무추진비 한도 자료가 없습니다.',
      '업무용승용차와 차량 관련 비용이 없습니다.',
      '사업연도 중 가지급금·가수금 잔액이 없습니다.',
      '기준 금액을 넘는 적격증빙 없는 전표가 없습니다.',
    ]) {
      assert.ok(text.includes(squash(expected)), `PDF text lacks ${JSON.stringify(expected)}`);
    }
  });
});
