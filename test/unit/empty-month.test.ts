// A month whose ledger holds no journal lines (a dormant company, a new one) is a valid month without transactions:
// it passes data quality, counts as present in the fiscal year, gets its deadlines, and the report says so.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { loadAnalysisDeps, analyzeCompanyMonth } from '../../lib/pipeline/analyze-month';
import { checkAndPromote, stageLedger } from '../../lib/pipeline/ledger-loading';
import { NO_TRANSACTIONS } from '../../lib/report/report-labels';
import { renderReportHtml } from '../../lib/report/customer-report';
import { sampleCompany, writeCompanyData } from '../../dev/sample-documents';

const tmp = mkdtempSync(join(tmpdir(), 'empty-month-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const JANUARY = [
  '전표일자,전표번호,계정코드,계정과목,차변,대변,적요,증빙구분',
  '2024-01-05,00001,830,소모품비,100000,,소모품,1',
  '2024-01-05,00001,103,보통예금,,100000,이체,',
];

test('a month without journal lines passes, counts as present, keeps its deadlines, and the report says there were no transactions', async () => {
  const company = sampleCompany();
  // February: the header, and the 월계/누계 rows an ERP writes under a month without entries.
  writeCompanyData(tmp, company, { '2024-01': JANUARY.join('\n'), '2024-02': [JANUARY[0], '월계,,,,0,0,,', '누계,,,,100000,100000,,'].join('\n') });
  const graph = new OxigraphStore();
  after(() => graph.close());
  const deps = await loadAnalysisDeps(loadConfig({ ERP_DATA_DIR: tmp }), graph);
  await stageLedger(deps, company.id, '2024-01');
  await checkAndPromote(deps, company.id, '2024-01');
  assert.equal((await stageLedger(deps, company.id, '2024-02')).lines, 0);
  const { outcome } = await checkAndPromote(deps, company.id, '2024-02');
  assert.deepEqual([outcome.conforms, outcome.violations], [true, []]);

  const doc = await analyzeCompanyMonth(deps, company, '2024-02', outcome.warnings);
  assert.equal(doc.dataQuality.conforms, true);
  assert.deepEqual(
    [doc.metrics.lineCount, doc.metrics.revenueMonth, doc.metrics.expenseMonth, doc.metrics.ytdMonths, doc.metrics.ytdMonthsMissing],
    [0, 0, 0, ['2024-01', '2024-02'], []],
  );
  assert.equal(doc.metrics.expenseYtd, 100_000);
  assert.deepEqual(
    doc.findings.map((f) => [f.ruleId, f.dueDate]),
    [
      ['DEADLINE', '2024-03-11'],
      ['DEADLINE', '2024-04-01'],
    ],
  );
  assert.equal(doc.figures?.pnl.current.sgaTotal, 0);
  assert.equal(doc.figures?.pnl.previous?.sgaTotal, 100_000);
  assert.ok(doc.narrative.text.includes(NO_TRANSACTIONS), doc.narrative.text);
  assert.ok(renderReportHtml(doc, { firmName: 'f', advisor: 'a' }).includes(NO_TRANSACTIONS));
});
