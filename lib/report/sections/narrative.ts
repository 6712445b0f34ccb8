/** The customer report's close: 종합 의견 (the narrative, who wrote it, next month's actions) and the disclaimer. */
import type { Narrative, NarrativeAuthor } from '../../domain/findings';
import { html, type SafeHtml } from '../escape-html';
import { DISCLAIMER } from '../report-labels';

export function narrativeSection(narrative: Narrative): SafeHtml {
  const paragraphs = narrative.text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const insights = narrative.insights;
  return html`<section class="narrative">
<h2>종합 의견</h2>
<p class="meta">요약 작성: ${authorLabel(narrative)}${insights && html` · 결론과 다음 달 할 일 작성: ${authorLabel(insights)}`}</p>
${paragraphs.map((p) => html`<p>${p}</p>`)}
${insights && insights.actions.length > 0 && html`<h3>다음 달 할 일</h3><ol class="actions">${insights.actions.map((a) => html`<li>${a}</li>`)}</ol>`}
</section>`;
}

/** Who wrote a part: the model (and whether it stood in for a failed one) or the offline rules. */
function authorLabel(author: NarrativeAuthor): string {
  if (author.model === 'offline') return author.fallbackUsed ? '오프라인 (규칙 기반, AI 모델 응답 실패로 대체)' : '오프라인 (규칙 기반 자동 작성)';
  return `AI 모델 ${author.model}${author.fallbackUsed ? ' (대체 모델)' : ''}${author.cached ? ' (캐시)' : ''}`;
}

export function disclaimer(): SafeHtml {
  return html`<section class="disclaimer">
<p>이 리포트는 제출된 장부 데이터를 규칙에 따라 자동 분석한 결과이며, 세무 신고나 법률 자문을 대신하지 않습니다.</p>
<p><strong>${DISCLAIMER}</strong></p>
</section>`;
}
