/**
 * The monthly report and the admin's data-quality report as self-contained A4 HTML (docs/spec/tax-rules.md, "Report
 * layout"): the entry point callers import. Every data value goes through the `html` tag (escape-html.ts), which escapes it;
 * charts are inline SVG (svg-charts.ts). Where the parts live:
 *   customer-report.ts      the monthly report, its sections in order (sections/, one file per section or pair)
 *   data-quality-report.ts  the admin's data-quality report
 *   report-page.ts          the HTML page with its stylesheet (report.css, read once at load), title block, badge
 *   report-format.ts        months, dates, amounts and changes as the reports write them
 *   report-labels.ts        risk levels, severities, categories in Korean, and the set sentences
 */
export { renderReportHtml } from './customer-report';
export { renderDataQualityReportHtml } from './data-quality-report';
export { formatKrw, formatReportMonth, formatSeoulTime } from './report-format';
export { DISCLAIMER, NO_TRANSACTIONS, RISK_LEVEL_LABEL, SEVERITY_LABEL } from './report-labels';
export type { ReportHtmlOptions } from './report-page';
