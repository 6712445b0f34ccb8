/**
 * The monthly report sent to the customer as self-contained A4 HTML: its sections in the order of
 * docs/spec/tax-rules.md "Report layout". Every data value goes through the `html` tag (escape-html.ts); charts are
 * inline SVG (svg-charts.ts). Beside it: data-quality-report.ts (the admin's report), report-page.ts (page shell and
 * report.css), report-format.ts (months, dates, amounts), report-labels.ts (Korean labels and set sentences).
 */
import type { FindingsDocument } from '../domain/findings';
import { formatReportMonth } from './report-format';
import { page, type ReportHtmlOptions } from './report-page';
import { carryOverSection } from './sections/carry-over';
import { filingCalendar } from './sections/filing-calendar';
import { findingsSection, proofGaps } from './sections/findings';
import { insiderBalances } from './sections/insider-balances';
import { limitTrackers } from './sections/limit-trackers';
import { disclaimer, narrativeSection } from './sections/narrative';
import { profitAndLoss } from './sections/profit-and-loss';
import { cover, scorecard } from './sections/summary';

export function renderReportHtml(doc: FindingsDocument, opts: ReportHtmlOptions): string {
  const deadlines = doc.findings.filter((f) => f.category === 'FILING_DEADLINE');
  const risks = doc.findings.filter((f) => f.category !== 'FILING_DEADLINE');
  return page(`${doc.companyName} ${formatReportMonth(doc.period)} 세무 리스크 리포트`, [
    cover(doc, opts),
    scorecard(doc),
    profitAndLoss(doc),
    // Older findings.json have no figures: their reports had neither section.
    doc.figures && limitTrackers(doc.figures),
    doc.figures && insiderBalances(doc.figures, doc),
    proofGaps(risks),
    filingCalendar(doc.period, deadlines),
    findingsSection(doc, risks),
    doc.carryOver && carryOverSection(doc.carryOver),
    narrativeSection(doc.narrative),
    disclaimer(),
  ]);
}
