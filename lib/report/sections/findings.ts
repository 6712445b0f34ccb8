/**
 * The customer report's sections on the findings themselves: 적격증빙 누락 (section 6, every line without qualifying
 * proof) and 발견 사항 (one card per finding), both listing the journal lines behind them.
 */
import { CONCLUSION } from '../../analysis/offline-insights';
import type { EvidenceLine, Finding, FindingsDocument, LawArticleRef } from '../../domain/findings';
import { html, type SafeHtml } from '../escape-html';
import { formatKrw } from '../report-format';
import { CATEGORY_LABEL, SEVERITY_LABEL, SEVERITY_RANK } from '../report-labels';
import { statusBadge } from '../report-page';

/** Section 6: every line of the MISSING_PROOF findings, i.e. without qualifying proof above its threshold. */
export function proofGaps(risks: readonly Finding[]): SafeHtml {
  const lines = risks
    .filter((f) => f.category === 'MISSING_PROOF')
    .flatMap((f) => f.evidence)
    .sort((a, b) => a.date.localeCompare(b.date));
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  return html`<section>
<h2>적격증빙 누락</h2>
${
  lines.length === 0
    ? html`<p class="empty">기준 금액을 넘는 적격증빙 없는 전표가 없습니다.</p>`
    : html`<p>증빙구분이 '없음'이고 기준 금액을 넘는 전표가 ${lines.length}건, 합계 ${formatKrw(total)}입니다.</p>${evidenceTable(lines)}`
}
</section>`;
}

export function findingsSection(doc: FindingsDocument, findings: readonly Finding[]): SafeHtml {
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const conclusions = doc.narrative.insights?.conclusions;
  const articles = doc.grounding?.articles ?? [];
  const card = (f: Finding) =>
    findingCard(
      f,
      conclusions?.[doc.findings.indexOf(f)] ?? CONCLUSION[f.category],
      articles.filter((a) => a.rules.includes(f.ruleId)),
    );
  return html`<section>
<h2>발견 사항</h2>
${sorted.length === 0 ? html`<p class="empty">이번 달 발견된 세무 리스크가 없습니다.</p>` : sorted.map(card)}
</section>`;
}

/** One finding in the four parts the firm writes them in: 현재상황 → 근거 → 결론 → 참고. */
function findingCard(f: Finding, conclusion: string, articles: readonly LawArticleRef[]): SafeHtml {
  return html`<article class="finding sev-${f.severity}">
<header>${statusBadge(f.severity, SEVERITY_LABEL[f.severity])}<h3>${CATEGORY_LABEL[f.category]}</h3><span class="rule">${f.ruleId}</span></header>
<div class="part"><span class="label">현재상황</span>${f.message}${findingFacts(f)}</div>
<div class="part"><span class="label">근거</span>${f.basis}${articles.length > 0 && html`<ul class="articles">${articles.map((a) => html`<li><cite>${a.law} ${a.article} (${a.title})</cite>: ${a.text}</li>`)}</ul>`}</div>
<div class="part"><span class="label">결론</span>${conclusion}</div>
<div class="part"><span class="label">참고</span>${evidenceTable(f.evidence)}</div>
</article>`;
}

function findingFacts(f: Finding): SafeHtml | false {
  const facts: [string, number | undefined][] = [
    ['금액', f.amount],
    ['기준', f.threshold],
    ['인정이자', f.accruedInterest],
  ];
  const present = facts.filter((fact): fact is [string, number] => fact[1] !== undefined);
  return present.length > 0 && html`<ul class="facts">${present.map(([label, value]) => html`<li>${label}: ${formatKrw(value)}</li>`)}</ul>`;
}

function evidenceTable(lines: readonly EvidenceLine[]): SafeHtml {
  if (lines.length === 0) return html`<span class="empty">관련 전표 없음</span>`;
  return html`<table class="evidence">
<thead><tr><th>일자</th><th>전표</th><th>계정</th><th class="num">금액</th><th class="memo">적요</th></tr></thead>
<tbody>${lines.map(
    (l) =>
      html`<tr><td class="nowrap">${l.date}</td><td>${l.voucher ?? '-'}</td><td>${l.account}</td><td class="num">${formatKrw(l.amount)}</td><td class="memo">${l.memo ?? ''}</td></tr>`,
  )}</tbody>
</table>`;
}
