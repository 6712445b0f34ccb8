/**
 * The HTML document both reports are printed from (self-contained A4, docs/spec/tax-rules.md "Report layout"): the
 * page with its stylesheet, and the parts both reports share (title block, status badge).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FindingsDocument, RiskLevel, Severity } from '../domain/findings';
import { html, rawHtml, type SafeHtml } from './escape-html';
import { formatReportMonth, formatSeoulTime } from './report-format';

export interface ReportHtmlOptions {
  firmName: string;
  /** 담당 세무사 printed on the cover. */
  advisor: string;
}

/** report.css beside this file (the image copies lib/ whole), read once when the module loads. */
const STYLE = rawHtml(readFileSync(path.join(__dirname, 'report.css'), 'utf8'));

export function page(title: string, sections: (SafeHtml | undefined)[]): string {
  return html`<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>
${STYLE}</style>
</head>
<body>
${sections}
</body>
</html>
`.markup;
}

export function titleBlock(title: string, doc: FindingsDocument, opts: ReportHtmlOptions): SafeHtml {
  return html`<header>
<div class="firm">${opts.firmName}</div>
<h1>${title}</h1>
<table>
<tr><th>회사</th><td>${doc.companyName}</td></tr>
<tr><th>사업자등록번호</th><td>${doc.companyBizRegNo}</td></tr>
<tr><th>보고 기간</th><td>${formatReportMonth(doc.period)}</td></tr>
<tr><th>담당 세무사</th><td>${opts.advisor}</td></tr>
<tr><th>작성 일시</th><td>${formatSeoulTime(doc.generatedAt)}</td></tr>
</table>
</header>`;
}

export function statusBadge(level: RiskLevel | Severity, label: string): SafeHtml {
  return html`<span class="badge st-${level}">${label}</span>`;
}
