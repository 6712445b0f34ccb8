// 질문: a Korean question over the knowledge graph, its answer as a sentence and a table (a chart for a trend), and,
// for admins, the read-only SPARQL box. Every value goes through the `html` tag.
import type { Answer } from '../../lib/ask/ask-graph';
import type { Column, Row } from '../../lib/ask/question-queries';
import type { SparqlAnswer } from '../../lib/ask/sparql-box';
import { html, SafeHtml } from '../../lib/report/escape-html';
import { groupedBarChart } from '../../lib/report/svg-charts';
import { can } from '../../lib/security/roles';
import { csrfField, layout, won, type PageContext } from './layout';

export const NO_GRAPH_NOTICE =
  '지식 그래프 서버(GRAPHDB_URL)가 설정되지 않아 질문에 답할 수 없습니다. 내장 그래프를 쓰는 경우 워커를 멈춘 뒤 npm run ask로 질문하십시오.';

export interface AskView {
  question?: string;
  answer?: Answer;
  /** No graph server: the notice instead of answers. */
  noGraph: boolean;
  /** The SPARQL box's text and its result (admins). */
  sparql?: { text: string; answer?: SparqlAnswer };
}

export function askPage(ctx: PageContext, view: AskView): string {
  const principal = ctx.principal;
  const mayQuery = principal !== undefined && can(principal, 'graph:query');
  return layout(
    ctx,
    '지식 그래프 질문',
    html`<form class="inline ask" method="get" action="/ask">
  <label>질문 <input name="q" id="question" maxlength="500" size="60" value="${view.question ?? ''}" placeholder="예: 이번 달 접대비 한도를 넘은 고객사는?"></label>
  <button type="submit">묻기</button>
</form>
${view.noGraph ? html`<p class="notice" role="status" id="no-graph">${NO_GRAPH_NOTICE}</p>` : view.answer && answerBody(view.answer)}
${mayQuery && sparqlBox(ctx, view)}`,
  );
}

function answerBody(answer: Answer): SafeHtml {
  if (answer.status === 'refused') {
    return html`<p class="error" role="alert" id="answer-sentence">${answer.sentence}</p>
<ul id="examples">${(answer.examples ?? []).map((q) => html`<li><a href="/ask?q=${encodeURIComponent(q)}">${q}</a></li>`)}</ul>`;
  }
  return html`<section id="answer">
<p id="answer-sentence">${answer.sentence}</p>
${answer.notes.length > 0 && html`<ul class="answer-notes">${answer.notes.map((note) => html`<li>${note}</li>`)}</ul>`}
<p><small class="read-by">읽은 방식: ${answer.readBy} · 기준 월 ${answer.asOf}</small></p>
${answer.intent === 'account-trend' && answer.rows.length > 0 && trendChart(answer.rows)}
${answer.rows.length > 0 && answerTable(answer.columns, answer.rows)}
${answer.truncated && html`<p class="notice" id="truncated">더 많은 행이 있습니다 (처음 ${answer.rows.length}행)</p>`}
</section>`;
}

function answerTable(columns: readonly Column[], rows: readonly Row[]): SafeHtml {
  return html`<table id="answer-rows"><thead><tr>${columns.map((c) => html`<th>${c.label}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${columns.map((c) => cell(c, row))}</tr>`)}</tbody></table>`;
}

function cell(column: Column, row: Row): SafeHtml {
  const value = row[column.key];
  if (value === undefined || value === '') return html`<td></td>`;
  switch (column.kind) {
    case 'won':
      return html`<td class="num">${won(Number(value))}</td>`;
    case 'percent':
      return html`<td class="num">${Number(value).toLocaleString('ko-KR', { maximumFractionDigits: 1 })}%</td>`;
    case 'count':
      return html`<td class="num">${Number(value).toLocaleString('ko-KR')}</td>`;
    case 'company': {
      const name = String(row.companyName ?? value);
      if (row.period === undefined) return html`<td>${name}</td>`;
      const href = `/reports/${encodeURIComponent(String(value))}/${encodeURIComponent(String(row.period))}`;
      return html`<td><a href="${href}">${name}</a></td>`;
    }
    default:
      // A finding's rule links to where it is reviewed (확인 / 조치완료 / 오탐).
      if (column.key === 'ruleId' && row.company !== undefined && row.period !== undefined) {
        return html`<td><a href="${`/review/${encodeURIComponent(String(row.company))}/${encodeURIComponent(String(row.period))}#findings`}">${String(value)}</a></td>`;
      }
      return html`<td>${String(value)}</td>`;
  }
}

const SERIES_COLOURS = ['#1d4ed8', '#c2410c', '#2e7d32', '#7c3aed', '#0f766e', '#b91c1c'];

/** 순증감 per month, one bar series per company (the first six). */
function trendChart(rows: readonly Row[]): SafeHtml {
  const periods = [...new Set(rows.map((r) => String(r.period)))].sort();
  const companies = [...new Map(rows.map((r) => [String(r.company), String(r.companyName ?? r.company)])).entries()].slice(0, SERIES_COLOURS.length);
  const series = companies.map(([id, name], i) => ({
    label: name,
    colour: SERIES_COLOURS[i]!,
    values: periods.map((p) => Number(rows.find((r) => String(r.company) === id && String(r.period) === p)?.net ?? 0)),
  }));
  const chart = groupedBarChart('월별 순증감', periods, series, (v) => `${Math.round(v / 10_000).toLocaleString('ko-KR')}만원`);
  // The chart's markup is escaped already; only a constant id is added to its root.
  return new SafeHtml(chart.markup.replace(/^<svg /, '<svg id="trend-chart" '));
}

function sparqlBox(ctx: PageContext, view: AskView): SafeHtml {
  const result = view.sparql?.answer;
  return html`<h2>SPARQL (읽기 전용, 관리자)</h2>
<form class="decision" method="post" action="/ask/sparql" id="sparql-form">${csrfField(ctx)}
  <label>SELECT 또는 ASK 질의 <textarea name="query" id="sparql" rows="6" maxlength="20000">${view.sparql?.text ?? ''}</textarea></label>
  <button type="submit">실행</button>
</form>
<p class="hint">데이터는 회사·월마다 이름 있는 그래프에 있습니다: <code>GRAPH ?g { … }</code>로 읽으십시오. 볼 수 있는 회사의 그래프만 읽히고,
행 수와 시간 제한은 질문과 같습니다. FROM, SERVICE, 쓰기 질의는 거부됩니다.</p>
${result && sparqlResult(result)}`;
}

function sparqlResult(result: SparqlAnswer): SafeHtml {
  if (result.status === 'refused') return html`<p class="error" role="alert" id="sparql-refused">${result.reason ?? ''}</p>`;
  if (result.boolean !== undefined) return html`<p id="sparql-boolean">ASK: ${result.boolean ? 'true' : 'false'}</p>`;
  return html`<table id="sparql-rows"><thead><tr>${result.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
<tbody>${result.rows.map((row) => html`<tr>${result.columns.map((c) => html`<td>${row[c] ?? ''}</td>`)}</tr>`)}</tbody></table>
${result.truncated && html`<p class="notice">더 많은 행이 있습니다 (처음 ${result.rows.length}행)</p>`}
<details><summary>실행한 질의</summary><pre>${result.query ?? ''}</pre></details>`;
}
