/** Section 4 of the customer report: entertainment and vehicle cost of the fiscal year so far against their limits. */
import type { ReportFigures } from '../../domain/findings';
import { html, type SafeHtml } from '../escape-html';
import { formatKrw, formatShare } from '../report-format';
import { limitGauge } from '../svg-charts';

export function limitTrackers({ entertainment, vehicleCost }: ReportFigures): SafeHtml {
  const ent =
    entertainment === undefined
      ? html`<p class="empty">기업업무추진비 한도 자료가 없습니다.</p>`
      : html`${limitGauge('기업업무추진비 누계와 손금 한도', entertainment.ytd, entertainment.limit, entertainment.warnLevel)}
${factRow([
  ['누계', formatKrw(entertainment.ytd)],
  ['손금 한도 (월할)', formatKrw(entertainment.limit)],
  ['경고 수준', formatKrw(entertainment.warnLevel)],
  ['한도 대비', formatShare(entertainment.ytd, entertainment.limit)],
])}`;
  return html`<section>
<h2>한도 관리</h2>
<div class="tracker"><h3>기업업무추진비 (사업연도 누계)</h3>
${ent}
</div>
<div class="tracker"><h3>업무용승용차 관련 비용 (사업연도 누계)</h3>
${vehicleTracker(vehicleCost)}
</div>
</section>`;
}

function vehicleTracker(vehicle: ReportFigures['vehicleCost']): SafeHtml {
  if (vehicle === undefined) return html`<p class="empty">업무용승용차와 차량 관련 비용이 없습니다.</p>`;
  if (vehicle.limit === undefined) {
    return html`${factRow([['누계', formatKrw(vehicle.ytd)]])}
<p class="meta">운행기록부를 작성하지 않은 차량이 없어 비용 한도가 적용되지 않습니다.</p>`;
  }
  return html`${limitGauge('업무용승용차 관련 비용 누계와 한도', vehicle.ytd, vehicle.limit)}
${factRow([
  ['누계', formatKrw(vehicle.ytd)],
  ['한도 (월할)', formatKrw(vehicle.limit)],
  ['운행기록부 미작성 차량', `${vehicle.vehiclesWithoutLog}대`],
  ['한도 대비', formatShare(vehicle.ytd, vehicle.limit)],
])}`;
}

/** Label / value pairs as one header row over one value row. */
function factRow(facts: readonly [string, string][]): SafeHtml {
  return html`<table>
<thead><tr>${facts.map(([label]) => html`<th class="num">${label}</th>`)}</tr></thead>
<tbody><tr>${facts.map(([, value]) => html`<td class="num">${value}</td>`)}</tr></tbody>
</table>`;
}
