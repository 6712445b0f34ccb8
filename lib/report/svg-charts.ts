/**
 * Inline SVG charts for the report. Built with the `html` tag like the rest of the report: labels are
 * escaped, coordinates are finite numbers rounded here, colours are constants. No scripts, no external
 * resources, so the page's CSP (default-src 'none') and the renderer's request blocking stay intact.
 */
import type { RiskLevel } from '../domain/findings';
import { html, type SafeHtml } from './escape-html';

export const CHART_COLOURS = { ok: '#2e7d32', warn: '#f59e0b', over: '#d32f2f', ink: '#1f2328', grid: '#c9d1d9', track: '#eef2f6' };

/** A coordinate as SVG text: finite, one decimal (a NaN or Infinity would break the chart, not the page). */
const n = (value: number): number => (Number.isFinite(value) ? Math.round(value * 10) / 10 : 0);

const GAUGE = { width: 600, height: 62, barTop: 18, barHeight: 24, labelMargin: 16 };

/**
 * A horizontal bar of `value` against `limit`: a solid line marks the limit, a dashed one the warning level.
 * The bar is red above the limit, amber above the warning level, green otherwise. `title` names the chart
 * for screen readers and text extraction.
 */
export function limitGauge(title: string, value: number, limit: number, warnLevel?: number): SafeHtml {
  const { width, height, barTop, barHeight, labelMargin } = GAUGE;
  // Head room past the larger of value and limit, so the limit line never sits on the edge.
  const max = Math.max(value, limit, 1) * 1.15;
  const x = (v: number) => n((Math.max(0, v) / max) * width);
  const clampLabel = (v: number) => Math.min(Math.max(x(v), labelMargin), width - labelMargin);
  const colour = value > limit ? CHART_COLOURS.over : warnLevel !== undefined && value > warnLevel ? CHART_COLOURS.warn : CHART_COLOURS.ok;
  const barBottom = barTop + barHeight;
  const warnMark =
    warnLevel !== undefined &&
    html`<line x1="${x(warnLevel)}" y1="${barTop - 2}" x2="${x(warnLevel)}" y2="${barBottom + 4}" stroke="${CHART_COLOURS.ink}" stroke-width="1.5" stroke-dasharray="4 3"/>
<text x="${clampLabel(warnLevel)}" y="${barBottom + 16}" text-anchor="middle" font-size="11" fill="${CHART_COLOURS.ink}">경고 ${Math.round(limit > 0 ? (warnLevel / limit) * 100 : 0)}%</text>`;
  return html`<svg class="chart gauge" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
<rect x="0" y="${barTop}" width="${width}" height="${barHeight}" fill="${CHART_COLOURS.track}"/>
<rect x="0" y="${barTop}" width="${x(value)}" height="${barHeight}" fill="${colour}"/>
${warnMark}
<line x1="${x(limit)}" y1="${barTop - 4}" x2="${x(limit)}" y2="${barBottom + 4}" stroke="${CHART_COLOURS.ink}" stroke-width="2.5"/>
<text x="${clampLabel(limit)}" y="${barTop - 7}" text-anchor="middle" font-size="11" font-weight="700" fill="${CHART_COLOURS.ink}">한도</text>
</svg>`;
}

export interface BarSeries {
  label: string;
  colour: string;
  values: readonly number[];
}

const BARS = { width: 600, height: 190, left: 96, right: 8, top: 26, bottom: 22 };

const NICE_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The first of NICE_STEPS × 10^k at or above `v`: an axis bound a reader takes in at a glance, halving evenly. */
function niceCeil(v: number): number {
  if (v <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(v));
  return (NICE_STEPS.find((m) => m * power >= v) ?? 10) * power;
}

/**
 * Grouped vertical bars, one group per category (e.g. month), one bar per series, from a zero baseline
 * (negative values hang below it). `formatTick` labels the axis bounds.
 */
export function groupedBarChart(
  title: string,
  categories: readonly string[],
  series: readonly BarSeries[],
  formatTick: (v: number) => string,
): SafeHtml {
  const { width, height, left, right, top, bottom } = BARS;
  const values = series.flatMap((s) => s.values);
  const hi = niceCeil(Math.max(0, ...values));
  const lo = -niceCeil(-Math.min(0, ...values));
  const span = hi - lo || 1;
  const plotHeight = height - top - bottom;
  const y = (v: number) => n(top + ((hi - v) / span) * plotHeight);
  const groupWidth = (width - left - right) / Math.max(categories.length, 1);
  const barWidth = Math.min(28, (groupWidth * 0.7) / Math.max(series.length, 1));
  const ticks = [...new Set([hi, hi / 2, 0, lo / 2, lo])];
  const bars = categories.map((category, i) => {
    const groupLeft = left + i * groupWidth + (groupWidth - barWidth * series.length) / 2;
    return html`${series.map((s, j) => {
      const v = s.values[i] ?? 0;
      return html`<rect x="${n(groupLeft + j * barWidth)}" y="${Math.min(y(v), y(0))}" width="${n(barWidth - 2)}" height="${n(Math.abs(y(v) - y(0)))}" fill="${s.colour}"/>`;
    })}
<text x="${n(left + (i + 0.5) * groupWidth)}" y="${height - 6}" text-anchor="middle" font-size="11" fill="${CHART_COLOURS.ink}">${category}</text>`;
  });
  const legend = series.map(
    (s, j) =>
      html`<rect x="${left + j * 120}" y="4" width="10" height="10" fill="${s.colour}"/><text x="${left + j * 120 + 14}" y="13" font-size="11" fill="${CHART_COLOURS.ink}">${s.label}</text>`,
  );
  return html`<svg class="chart bars" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
${ticks.map(
  (t) =>
    html`<line x1="${left}" y1="${y(t)}" x2="${width - right}" y2="${y(t)}" stroke="${t === 0 ? CHART_COLOURS.ink : CHART_COLOURS.grid}" stroke-width="1"/><text x="${left - 6}" y="${n(y(t) + 4)}" text-anchor="end" font-size="10" fill="${CHART_COLOURS.ink}">${formatTick(t)}</text>`,
)}
${bars}
${legend}
</svg>`;
}

const SPARK = { slot: 8, gap: 2, height: 20 };
const SPARK_RISK: Record<RiskLevel, { rank: number; colour: string }> = {
  NONE: { rank: 1, colour: CHART_COLOURS.grid },
  LOW: { rank: 2, colour: CHART_COLOURS.ok },
  MEDIUM: { rank: 3, colour: CHART_COLOURS.warn },
  HIGH: { rank: 4, colour: CHART_COLOURS.over },
};

/**
 * A row-sized risk history: one bar per month, its height and colour the risk level, oldest left. The bars stand
 * right-aligned in `slots` places, so the months of rows one above the other line up. `label` is each bar's tooltip.
 */
export function riskSparkline(title: string, marks: ReadonlyArray<{ risk: RiskLevel; label: string }>, slots = 12): SafeHtml {
  const { slot, gap, height } = SPARK;
  const shown = marks.slice(-slots);
  const offset = slots - shown.length;
  return html`<svg class="chart sparkline" viewBox="0 0 ${slots * slot} ${height}" width="${slots * slot}" height="${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
${shown.map((mark, i) => {
  const { rank, colour } = SPARK_RISK[mark.risk];
  const h = n((rank / 4) * height);
  return html`<rect class="mark" x="${(offset + i) * slot}" y="${n(height - h)}" width="${slot - gap}" height="${h}" fill="${colour}"><title>${mark.label}</title></rect>`;
})}
</svg>`;
}
