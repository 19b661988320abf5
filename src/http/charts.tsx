/**
 * Hand-written SVG charts: no chart library and nothing fetched, because the instance may run
 * without internet. Output depends only on the props (no random ids, no clock), so the same data
 * renders the same bytes and tests can count what is drawn:
 *
 * - stacked bar chart: `svg[data-chart=<chart>] rect.bar[data-series=<series>][data-index=<i>]`,
 *   one rect per non-zero value (a zero draws nothing), with `data-value` holding the count (the
 *   rects sit in an inner svg, still under `svg[data-chart]`);
 * - line chart: `svg[data-chart=<chart>] circle.point[data-series=<series>][data-index=<i>]`, one
 *   circle per sample and series, and (from two samples on) one `path.line[data-series=<series>]`
 *   per series whose `d` has one vertex per sample (`M` then `L` for each further sample).
 *
 * `data-name` on the svg tells several charts of the same kind apart (e.g. one per sink).
 */

/** Colours per D&B notification type; chosen to stay distinguishable for colour-blind readers. */
const TYPE_COLORS: Record<string, string> = {
  UPDATE: "#3b6fe0",
  SEED: "#1a9e77",
  DELETE: "#d1432f",
  UNDELETE: "#7fa830",
  TRANSFER: "#8a5cd6",
  UNDER_REVIEW: "#e59a1a",
  REVIEWED: "#1496b0",
  EXIT: "#c94f9a",
  REMOVED: "#7a8497",
};

/** For types D&B may add later: picked by a hash of the name, so a type keeps its colour. */
const SPARE_COLORS = ["#a0522d", "#2f8f5b", "#b8860b", "#5b6fb8", "#a04870", "#3d8a8a"];

export function typeColor(type: string): string {
  const known = TYPE_COLORS[type];
  if (known) return known;
  let hash = 0;
  for (const char of type) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return SPARE_COLORS[hash % SPARE_COLORS.length];
}

/** Dark or white text, whichever reads better on a badge of this `#rrggbb` colour. */
export function readableInk(color: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!match) return "#ffffff";
  const [r, g, b] = match.slice(1).map((hex) => {
    const channel = parseInt(hex, 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // White wins while its contrast ratio beats that of near-black (#1a1200).
  return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.0565) ? "#ffffff" : "#1a1200";
}

export interface NiceScale {
  /** The axis maximum: a round number at or above the data maximum. */
  top: number;
  step: number;
  /** Gridline values from 0 to `top`. */
  ticks: number[];
}

/**
 * A round axis: steps of 1, 2 or 5 times a power of ten, never below 1 for whole counts, never
 * below 0.01 for rates (`fractional`, whose labels show two decimals). An all-zero series still
 * gets a 0–1 axis.
 */
export function niceScale(
  max: number,
  options: { ticks?: number; fractional?: boolean } = {},
): NiceScale {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 1, ticks: [0, 1] };
  const raw = max / (options.ticks ?? 4);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  const step = decimals(Math.max(options.fractional ? 0.01 : 1, factor * magnitude));
  const top = decimals(Math.ceil(decimals(max / step)) * step);
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 2; i++) ticks.push(decimals(i * step));
  return { top, step, ticks };
}

/** Steps like 0.1 × 3 must not print as 0.30000000000000004. */
function decimals(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** `1234` → `1.2k`: axis labels must stay short to fit inside the plot. */
export function compactNumber(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${trimZero(value / 1_000_000)}M`;
  if (Math.abs(value) >= 1_000) return `${trimZero(value / 1_000)}k`;
  return String(Math.round(value * 100) / 100);
}

function trimZero(value: number): string {
  return value.toFixed(1).replace(/\.0$/, "");
}

/** Two decimals are plenty for a viewBox and keep the markup short and stable. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface Tick {
  index: number;
  text: string;
  /** Hidden on narrow screens, where there is room for fewer labels. */
  minor?: boolean;
}

export interface BarSeries {
  name: string;
  color: string;
  /** `values[i]` belongs to category `i`. */
  values: number[];
}

export interface StackedBarChartProps {
  /** Goes to `data-chart`. */
  chart: string;
  /** Unique in the page: prefixes the ids that label the chart. */
  id: string;
  title: string;
  description: string;
  /** Readable category names, used in tooltips. */
  categories: string[];
  series: BarSeries[];
  ticks?: Tick[];
  /** Shown inside the plot when there is nothing to draw. */
  emptyText?: string;
}

/**
 * The plot's share of the chart's height: room above for the top value label, below for the hour
 * labels. Fractions, because the bar chart has no fixed aspect ratio (see below).
 */
const BAR = { top: 0.08, plot: 0.8 };

/**
 * Bars per category, one segment per series stacked in series order from the bottom.
 *
 * The outer SVG has no viewBox: it is as wide as its box and as high as the CSS says, and its
 * text is in CSS pixels, so labels stay readable from phone to desktop. The bars live in an inner
 * SVG stretched to the plot area (`preserveAspectRatio="none"`, one unit per category across,
 * 100 units up); rectangles and hairlines (`non-scaling-stroke`) survive the stretch.
 */
export function StackedBarChart(props: StackedBarChartProps) {
  const count = props.categories.length;
  const totals = props.categories.map((_, index) =>
    props.series.reduce((sum, series) => sum + Math.max(0, series.values[index] ?? 0), 0)
  );
  const scale = niceScale(Math.max(0, ...totals));
  const columns = Math.max(1, count);
  const barWidth = 0.74;
  const y = (value: number) => 100 - (value / scale.top) * 100;
  const percentY = (value: number) => round((BAR.top + BAR.plot * y(value) / 100) * 100);

  const bars = [];
  for (let index = 0; index < count; index++) {
    let stacked = 0;
    for (const series of props.series) {
      const value = Math.max(0, series.values[index] ?? 0);
      if (value === 0) continue;
      const top = y(stacked + value);
      const height = y(stacked) - top;
      stacked += value;
      bars.push(
        <rect
          class="bar"
          data-series={series.name}
          data-index={String(index)}
          data-value={String(value)}
          x={String(round(index + (1 - barWidth) / 2))}
          y={String(round(top))}
          width={String(barWidth)}
          height={String(round(height))}
          fill={series.color}
        >
          <title>{`${series.name} · ${props.categories[index]}: ${value}`}</title>
        </rect>,
      );
    }
  }

  return (
    <svg
      class="chart bars"
      data-chart={props.chart}
      width="100%"
      role="img"
      aria-labelledby={`${props.id}-title ${props.id}-desc`}
      id={props.id}
    >
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.description}</desc>
      <svg
        x="0"
        y={`${BAR.top * 100}%`}
        width="100%"
        height={`${BAR.plot * 100}%`}
        viewBox={`0 0 ${columns} 100`}
        preserveAspectRatio="none"
        overflow="visible"
      >
        {scale.ticks.map((tick) => (
          <line
            class={tick === 0 ? "axis" : "gridline"}
            x1="0"
            x2={String(columns)}
            y1={String(round(y(tick)))}
            y2={String(round(y(tick)))}
            vector-effect="non-scaling-stroke"
          />
        ))}
        {bars}
      </svg>
      <g aria-hidden="true">
        {scale.ticks.filter((tick) => tick > 0).map((tick) => (
          <text class="value-label" x="2" y={`${percentY(tick)}%`} dy="-4">
            {compactNumber(tick)}
          </text>
        ))}
        {(props.ticks ?? []).map((tick) => (
          <text
            class={tick.minor ? "minor" : undefined}
            x={`${round(((tick.index + 0.5) / columns) * 100)}%`}
            y="100%"
            dy="-5"
            text-anchor="middle"
          >
            {tick.text}
          </text>
        ))}
      </g>
      {bars.length === 0
        ? (
          <text class="empty-note" x="50%" y="48%" text-anchor="middle">
            {props.emptyText ?? "No data"}
          </text>
        )
        : null}
    </svg>
  );
}

export interface LineSeries {
  name: string;
  color: string;
  /** `values[i]` was sampled at `times[i]`. */
  values: number[];
  dashed?: boolean;
}

export interface LineChartProps {
  chart: string;
  id: string;
  /** Goes to `data-name`, to tell several charts of one kind apart. */
  name?: string;
  title: string;
  description: string;
  /** ISO-8601 sample times, oldest first. */
  times: string[];
  series: LineSeries[];
  emptyText?: string;
  /** Values are rates, not whole counts: the axis may step below 1. */
  fractional?: boolean;
}

/**
 * The plot's place in the line chart, as fractions of its box: a gutter on the left for the value
 * labels, room below for the time labels.
 */
const LINE = { left: 0.08, right: 0.015, top: 0.07, plot: 0.77 };

/** Inner x units across the plot: fine enough that rounding to 0.01 never shows. */
const LINE_UNITS = 1000;

/**
 * Several series over the same sample times, on a time axis when the times parse (irregular
 * sampling then shows as such), else evenly spaced.
 *
 * Like the bar chart, it fills its box at the height the CSS gives it: lines are drawn in an inner
 * SVG stretched to the plot (hairline strokes survive the stretch), while points and labels sit in
 * the outer SVG at percentages, so circles stay round and text stays in CSS pixels.
 */
export function LineChart(props: LineChartProps) {
  const count = props.times.length;
  const max = Math.max(0, ...props.series.flatMap((series) => series.values.slice(0, count)));
  const scale = niceScale(max, { fractional: props.fractional });
  const y = (value: number) => round(100 - (Math.max(0, value) / scale.top) * 100);
  const x = xPositions(props.times, { left: 0, width: LINE_UNITS });
  const percentX = (units: number) =>
    round((LINE.left + (1 - LINE.left - LINE.right) * units / LINE_UNITS) * 100);
  const percentY = (value: number) => round((LINE.top + LINE.plot * y(value) / 100) * 100);

  const paths = props.series.map((series) => {
    const d = props.times.map((_, i) => `${i === 0 ? "M" : "L"}${x[i]} ${y(series.values[i] ?? 0)}`)
      .join(" ");
    return count > 1
      ? (
        <path
          class="line"
          data-series={series.name}
          d={d}
          fill="none"
          stroke={series.color}
          stroke-width="2"
          stroke-linejoin="round"
          stroke-linecap="round"
          stroke-dasharray={series.dashed ? "5 4" : undefined}
          vector-effect="non-scaling-stroke"
        />
      )
      : null;
  });
  const points = props.series.map((series) => (
    <g class="series" data-series={series.name}>
      {props.times.map((time, index) => {
        const value = series.values[index] ?? 0;
        return (
          <circle
            class="point"
            data-series={series.name}
            data-index={String(index)}
            data-value={String(value)}
            cx={`${percentX(x[index])}%`}
            cy={`${percentY(value)}%`}
            r="2.5"
            fill={series.color}
          >
            <title>{`${series.name} at ${hourMinute(time)} UTC: ${value}`}</title>
          </circle>
        );
      })}
    </g>
  ));

  const ticks = count === 0
    ? []
    : count === 1
    ? [{ index: 0, anchor: "middle" }]
    : [{ index: 0, anchor: "start" }, { index: count - 1, anchor: "end" }];
  return (
    <svg
      class="chart lines"
      data-chart={props.chart}
      data-name={props.name}
      width="100%"
      role="img"
      aria-labelledby={`${props.id}-title ${props.id}-desc`}
      id={props.id}
    >
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.description}</desc>
      <svg
        x={`${LINE.left * 100}%`}
        y={`${LINE.top * 100}%`}
        width={`${round((1 - LINE.left - LINE.right) * 100)}%`}
        height={`${LINE.plot * 100}%`}
        viewBox={`0 0 ${LINE_UNITS} 100`}
        preserveAspectRatio="none"
        overflow="visible"
      >
        {scale.ticks.map((tick) => (
          <line
            class={tick === 0 ? "axis" : "gridline"}
            x1="0"
            x2={String(LINE_UNITS)}
            y1={String(y(tick))}
            y2={String(y(tick))}
            vector-effect="non-scaling-stroke"
          />
        ))}
        {paths}
      </svg>
      <g aria-hidden="true">
        {scale.ticks.map((tick) => (
          <text
            x={`${round(LINE.left * 100 - 1.5)}%`}
            y={`${percentY(tick)}%`}
            text-anchor="end"
            dominant-baseline="middle"
          >
            {compactNumber(tick)}
          </text>
        ))}
        {ticks.map((tick) => (
          <text x={`${percentX(x[tick.index])}%`} y="100%" dy="-5" text-anchor={tick.anchor}>
            {hourMinute(props.times[tick.index])}
          </text>
        ))}
      </g>
      {points}
      {count === 0
        ? (
          <text class="empty-note" x="50%" y="45%" text-anchor="middle">
            {props.emptyText ?? "No samples yet"}
          </text>
        )
        : null}
    </svg>
  );
}

function xPositions(times: string[], area: { left: number; width: number }): number[] {
  const count = times.length;
  if (count === 0) return [];
  if (count === 1) return [round(area.left + area.width / 2)];
  const stamps = times.map((time) => Date.parse(time));
  const first = stamps[0];
  const span = stamps[count - 1] - first;
  const byTime = stamps.every(Number.isFinite) && span > 0 &&
    stamps.every((stamp, i) => i === 0 || stamp >= stamps[i - 1]);
  return stamps.map((stamp, index) =>
    round(area.left + area.width * (byTime ? (stamp - first) / span : index / (count - 1)))
  );
}

/** `2026-11-27T08:05:00Z` → `08:05`, read in UTC so the output does not depend on the host. */
export function hourMinute(iso: string | undefined): string {
  const date = new Date(iso ?? "");
  if (Number.isNaN(date.getTime())) return iso ?? "";
  return date.toISOString().slice(11, 16);
}
