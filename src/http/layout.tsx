/**
 * The page shell every dashboard page shares (head, inline CSS, simulator banner, header with the
 * DUNS search box) and the small pieces both pages render: times, status pills, type badges and
 * the `previous → current` list of changed elements. Every value is rendered through JSX, which
 * escapes it: notification values come from D&B and must never become markup.
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { readableInk, typeColor } from "./charts.tsx";
import { DASHBOARD_CSS, REFRESH_SCRIPT } from "./dashboard_style.ts";
import type { ElementChange } from "./dashboard_data.ts";

export interface LiveOptions {
  /** Seconds between fragment fetches. */
  refreshSeconds: number;
  /** Where the refreshable part of the page is fetched from. */
  fragmentUrl: string;
}

export interface LayoutProps {
  title: string;
  simulator: boolean;
  /** Prefix of the dashboard's routes, `""` when it is mounted at the root. */
  basePath: string;
  /** Under the product name: environment, version. */
  subtitle?: string;
  /** Prefills the search box, e.g. with a DUNS that was rejected. */
  search?: string;
  /** Makes `<main>` refresh itself from the fragment URL. */
  live?: LiveOptions;
  children?: Child;
}

/** A favicon inlined as a data URL: a browser asking for `/favicon.ico` would log a 404. */
const FAVICON = "data:image/svg+xml," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#3156d3"/><path d="M5 17h6l3-7 4 13 3-6h6" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
  );

export function Layout(props: LayoutProps) {
  const title = props.simulator ? `[SIMULATOR] ${props.title}` : props.title;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title}</title>
        <link rel="icon" href={FAVICON} />
        <style>{raw(DASHBOARD_CSS)}</style>
        {props.live
          ? (
            // Without JavaScript the page still refreshes, the slow way.
            <noscript>
              <meta
                http-equiv="refresh"
                content={String(Math.max(30, props.live.refreshSeconds))}
              />
            </noscript>
          )
          : null}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        {props.simulator ? <SimulatorBanner /> : null}
        <header class="top">
          <div class="top-inner">
            <a class="brand" href={`${props.basePath}/`}>
              <svg width="34" height="34" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                <rect width="32" height="32" rx="8" fill="#3156d3" />
                <path
                  d="M5 17h6l3-7 4 13 3-6h6"
                  fill="none"
                  stroke="#fff"
                  stroke-width="3"
                  stroke-linecap="round"
                  stroke-linejoin="round"
                />
              </svg>
              <span>
                <span class="brand-name">TraceOne Monitor</span>
                {props.subtitle ? <span class="brand-meta">{` · ${props.subtitle}`}</span> : null}
              </span>
            </a>
            {props.live
              ? (
                <span id="refresh-state" class="refresh ok" role="status">
                  Live
                </span>
              )
              : null}
            <SearchForm basePath={props.basePath} value={props.search} id="duns-search" />
          </div>
        </header>
        {props.live
          ? (
            <main id="main" class="page">
              <div
                id="live"
                data-refresh-seconds={String(props.live.refreshSeconds)}
                data-fragment-url={props.live.fragmentUrl}
              >
                {props.children}
              </div>
            </main>
          )
          : <main id="main" class="page">{props.children}</main>}
        <footer class="foot">
          TraceOne Monitor · everything on this page is served by this instance
        </footer>
        {props.live ? <script>{raw(REFRESH_SCRIPT)}</script> : null}
      </body>
    </html>
  );
}

function SimulatorBanner() {
  return (
    <p class="sim-banner" role="note" aria-label="Simulator mode">
      <strong>SIMULATOR</strong>
      This instance talks to the D&amp;B simulator, not the real Direct+ API: companies and changes
      are generated.
    </p>
  );
}

/** The DUNS search box: `GET {base}/search?duns=…`, which redirects to the company page. */
export function SearchForm(props: { basePath: string; id: string; value?: string }) {
  return (
    <form class="search" role="search" action={`${props.basePath}/search`} method="get">
      <label for={props.id}>Company DUNS</label>
      <span class="search-row">
        <input
          id={props.id}
          name="duns"
          type="search"
          inputmode="numeric"
          autocomplete="off"
          spellcheck={false}
          placeholder="08-146-6849"
          value={props.value}
          required
        />
        <button type="submit">Open</button>
      </span>
    </form>
  );
}

/** `2026-11-27T08:05:09.000Z` → `2026-11-27 08:05:09 UTC`; unparsable text is shown as is. */
export function formatUtc(iso: string, options: { seconds?: boolean } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = date.toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, options.seconds ? 19 : 16)} UTC`;
}

/**
 * How long before `now` a time was, e.g. `4 min ago`. Relative to the data's own clock
 * (`generatedAt`), never the renderer's, so a page renders the same for the same data.
 */
export function relativeTime(iso: string, now: string): string {
  const then = Date.parse(iso);
  const reference = Date.parse(now);
  if (!Number.isFinite(then) || !Number.isFinite(reference)) return iso;
  const seconds = Math.round((reference - then) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const amount = abs < 5
    ? null
    : abs < 90
    ? `${abs} s`
    : abs < 90 * 60
    ? `${Math.round(abs / 60)} min`
    : abs < 36 * 3600
    ? `${Math.round(abs / 3600)} h`
    : `${Math.round(abs / 86400)} d`;
  if (amount === null) return "just now";
  return future ? `in ${amount}` : `${amount} ago`;
}

/** A time as people read it, with the exact UTC time on hover and in `datetime`. */
export function Time(props: { iso: string; now?: string }) {
  return (
    <time datetime={props.iso} title={formatUtc(props.iso, { seconds: true })}>
      {props.now ? relativeTime(props.iso, props.now) : formatUtc(props.iso)}
    </time>
  );
}

export type Status = "healthy" | "degraded" | "failing";
export type BreakerState = "closed" | "open" | "half_open";

const STATUS_CLASS: Record<Status, string> = { healthy: "ok", degraded: "warn", failing: "bad" };
const STATUS_TEXT: Record<Status, string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  failing: "Failing",
};
const BREAKER_CLASS: Record<BreakerState, string> = {
  closed: "ok",
  half_open: "warn",
  open: "bad",
};
const BREAKER_TEXT: Record<BreakerState, string> = {
  closed: "Closed",
  half_open: "Half-open",
  open: "Open",
};

export function StatusPill(props: { status: Status; big?: boolean }) {
  const tone = STATUS_CLASS[props.status] ?? "";
  return (
    <span class={`pill ${tone}${props.big ? " big" : ""}`} data-status={props.status}>
      {STATUS_TEXT[props.status] ?? props.status}
    </span>
  );
}

/** A breaker pill says "breaker" for screen readers, whose users do not see the colour. */
export function BreakerPill(props: { state: BreakerState }) {
  return (
    <span class={`pill ${BREAKER_CLASS[props.state] ?? ""}`} data-breaker={props.state}>
      <span class="visually-hidden">breaker</span>
      {BREAKER_TEXT[props.state] ?? props.state}
    </span>
  );
}

export function TypeBadge(props: { type: string }) {
  const color = typeColor(props.type);
  return (
    <span
      class="type"
      data-type={props.type}
      style={`background:${color};color:${readableInk(color)}`}
    >
      {props.type}
    </span>
  );
}

export interface ReadableValue {
  /** `absent`: the key was missing; `null`: JSON null; `empty`: an empty string. */
  kind: "absent" | "null" | "empty" | "value";
  /** What the page shows, at most `max` characters. */
  text: string;
  /** The whole readable value; differs from `text` when that was cut. */
  full: string;
  truncated: boolean;
}

/**
 * Turns a stored JSON value into what a person reads: strings without quotes, numbers and
 * booleans as they are, objects and arrays as compact JSON, JSON null as "—", a missing key as
 * "(none)". Text that is not JSON is shown as it is rather than hidden.
 */
export function readableValue(json: string | null, options: { max?: number } = {}): ReadableValue {
  const max = options.max ?? 100;
  if (json === null) return { kind: "absent", text: "(none)", full: "(none)", truncated: false };
  let full: string;
  try {
    const value: unknown = JSON.parse(json);
    if (value === null) return { kind: "null", text: "—", full: "—", truncated: false };
    if (value === "") return { kind: "empty", text: '""', full: '""', truncated: false };
    full = typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    full = json;
  }
  const chars = Array.from(full);
  if (chars.length <= max) return { kind: "value", text: full, full, truncated: false };
  return { kind: "value", text: `${chars.slice(0, max - 1).join("")}…`, full, truncated: true };
}

function Value(props: { json: string | null; side: "was" | "now" }) {
  const value = readableValue(props.json);
  const kind = value.kind === "value" ? "" : ` ${value.kind}`;
  return (
    <span class={`${props.side}${kind}`} title={value.truncated ? value.full : undefined}>
      {value.text}
    </span>
  );
}

/**
 * Each changed element as `previous → current`. Beyond `visible` elements the rest fold into a
 * `<details>`; its id (`moreId`) lets the refresh keep it open across updates.
 */
export function ChangeList(
  props: { elements: ElementChange[]; visible?: number; moreId?: string; showStamps?: boolean },
) {
  if (props.elements.length === 0) {
    return <p class="no-changes">No changed elements in this notification.</p>;
  }
  const visible = props.visible ?? props.elements.length;
  const shown = props.elements.slice(0, visible);
  const rest = props.elements.slice(visible);
  const item = (change: ElementChange) => (
    <li data-element={change.element}>
      <code class="element">{change.element}</code>
      <span class="delta">
        <Value json={change.previous} side="was" />
        <span class="arrow" role="img" aria-label="changed to">→</span>
        <Value json={change.current} side="now" />
      </span>
      {props.showStamps && change.timestamp
        ? <span class="stamp">changed {formatUtc(change.timestamp)}</span>
        : null}
    </li>
  );
  return (
    <>
      <ul class="changes">{shown.map(item)}</ul>
      {rest.length > 0
        ? (
          <details class="more" id={props.moreId}>
            <summary>
              {`${rest.length} more changed element${rest.length === 1 ? "" : "s"}`}
            </summary>
            <ul class="changes">{rest.map(item)}</ul>
          </details>
        )
        : null}
    </>
  );
}

/** `/duns/081466849` under the dashboard's base path. */
export function companyHref(basePath: string, duns: string): string {
  return `${basePath}/duns/${encodeURIComponent(duns)}`;
}

/** Thousands separated, independent of the host's locale. */
export function formatCount(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
