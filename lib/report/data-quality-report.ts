/** The admin's report for a ledger that failed data quality: which rule failed where, and why. */
import type { DataQualityViolation, FindingsDocument } from '../domain/findings';
import { html, type SafeHtml } from './escape-html';
import { formatReportMonth } from './report-format';
import { page, type ReportHtmlOptions, statusBadge, titleBlock } from './report-page';

/** What each data-quality rule checks (docs/spec/tax-rules.md), so the admin sees the rule, not just its id. */
const DQ_RULE_DESCRIPTION: Partial<Record<string, string>> = {
  'DQ-REQUIRED': '전표일자와 계정코드가 있어야 합니다 (금액은 DQ-AMOUNT)',
  'DQ-DATE': '일자가 올바르고 원장 파일의 월에 속해야 합니다',
  'DQ-AMOUNT': '금액은 0 이상의 정수이고 차변·대변 중 하나만 0이 아니어야 합니다',
  'DQ-ACCOUNT': '계정코드가 표준 계정과목표 또는 회사 accounts.csv에 있어야 합니다',
  'DQ-BALANCE': '전표마다 차변 합계와 대변 합계가 같아야 합니다',
  'DQ-BIZREGNO': '사업자등록번호 검증번호가 맞아야 합니다',
};

export function renderDataQualityReportHtml(doc: FindingsDocument, opts: ReportHtmlOptions): string {
  return page(`${doc.companyName} ${formatReportMonth(doc.period)} 장부 데이터 품질 오류 보고서`, [
    titleBlock('장부 데이터 품질 오류 보고서', doc, opts),
    dataQualitySummary(doc.dataQuality),
    dataQualityTable(doc.dataQuality.details),
  ]);
}

function dataQualitySummary(dq: FindingsDocument['dataQuality']): SafeHtml {
  return html`<section>
<h2>요약</h2>
<p>위반 ${statusBadge(dq.violations > 0 ? 'HIGH' : 'NONE', `${dq.violations}건`)} 경고 ${statusBadge(dq.warnings > 0 ? 'LOW' : 'NONE', `${dq.warnings}건`)}</p>
<p>${dq.violations > 0 ? '위반 사항이 있어 이번 달 고객 리포트는 발송되지 않았습니다. 아래 줄을 원장에서 수정한 뒤 다시 실행해 주십시오. 재시도만으로는 해결되지 않습니다.' : '위반 사항은 없습니다.'}</p>
</section>`;
}

/** Violations before warnings, then by location, so the admin can fix a file top to bottom. */
function dataQualityTable(details: readonly DataQualityViolation[]): SafeHtml {
  const sorted = [...details].sort(
    (a, b) =>
      Number(a.severity === 'Warning') - Number(b.severity === 'Warning') ||
      a.focus.localeCompare(b.focus) ||
      (a.sourceLine ?? 0) - (b.sourceLine ?? 0),
  );
  return html`<section>
<h2>상세 내역</h2>
${
  sorted.length === 0
    ? html`<p class="empty">상세 내역이 없습니다.</p>`
    : html`<table class="dq-details">
<thead><tr><th>규칙</th><th class="nowrap">구분</th><th class="location">위치 (파일:줄)</th><th>검사 내용</th><th>사유</th></tr></thead>
<tbody>${sorted.map(
        (v) =>
          html`<tr><td class="nowrap">${v.ruleId}</td><td>${statusBadge(v.severity === 'Violation' ? 'HIGH' : 'LOW', v.severity === 'Violation' ? '위반' : '경고')}</td><td>${v.sourceLine === undefined ? v.focus : `${v.focus}:${v.sourceLine}`}</td><td>${DQ_RULE_DESCRIPTION[v.ruleId] ?? '-'}</td><td>${v.message}</td></tr>`,
      )}</tbody>
</table>`
}
</section>`;
}
