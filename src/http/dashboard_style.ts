/**
 * The dashboard's only stylesheet and only script, inlined into every page: the instance may run
 * where there is no internet, so nothing is fetched from anywhere but the instance itself.
 */

/**
 * Card layout on a light background (dark when the system asks for it). Chart heights are set here
 * per breakpoint: the SVG charts stretch to their box, their text stays in CSS pixels.
 */
export const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f3f5f9; --card: #ffffff; --ink: #172033; --muted: #5d687c; --line: #e2e7ef;
  --grid: #e6eaf1; --accent: #3156d3; --accent-ink: #ffffff; --code: #eef2f8;
  --ok: #16803c; --ok-bg: #dcf5e4; --warn: #9a5b00; --warn-bg: #fff1d1;
  --bad: #b42318; --bad-bg: #fde4e1; --was: #8a3b12; --was-bg: #fff0e8; --now: #0f5e35;
  --now-bg: #e6f6ec; --shadow: 0 1px 2px rgba(23, 32, 51, .06), 0 4px 14px rgba(23, 32, 51, .05);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1420; --card: #171e2c; --ink: #e6eaf2; --muted: #9aa5b8; --line: #283245;
    --grid: #253044; --accent: #7b9cff; --accent-ink: #0f1420; --code: #202a3b;
    --ok: #6fdc95; --ok-bg: #143822; --warn: #ffc25c; --warn-bg: #3b2b0c;
    --bad: #ff8f80; --bad-bg: #45181a; --was: #ffb38a; --was-bg: #3a2113; --now: #7fe0a6;
    --now-bg: #13321f; --shadow: none;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Ubuntu, sans-serif;
}
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .88em; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h2 { font-size: 1.05rem; }
h3 { font-size: .95rem; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 8px; top: 8px; z-index: 20; background: var(--card); padding: 6px 10px; }

.sim-banner {
  position: sticky; top: 0; z-index: 10; margin: 0; padding: 8px 16px; text-align: center;
  color: #1a1200; font-weight: 600; letter-spacing: .01em;
  background: repeating-linear-gradient(-45deg, #ffcd3c 0 16px, #ffb81f 16px 32px);
  border-bottom: 3px solid #1a1200;
}
.sim-banner strong { background: #1a1200; color: #ffcd3c; padding: 1px 8px; border-radius: 4px; margin-right: 6px; letter-spacing: .08em; }

.top { background: var(--card); border-bottom: 1px solid var(--line); }
.top-inner {
  max-width: 1280px; margin: 0 auto; padding: 12px 20px; display: flex; flex-wrap: wrap;
  align-items: center; gap: 10px 20px;
}
.brand { display: flex; align-items: center; gap: 10px; color: inherit; text-decoration: none; margin-right: auto; }
.brand svg { flex: none; }
.brand-name { font-weight: 700; font-size: 1.1rem; }
.brand-meta { color: var(--muted); font-size: .82rem; }
.search { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.search label { font-size: .85rem; color: var(--muted); }
.search-row { display: flex; }
.search input {
  width: 15ch; min-width: 0; font: inherit; padding: 6px 10px; border: 1px solid var(--line);
  border-right: 0; border-radius: 8px 0 0 8px; background: var(--bg); color: var(--ink);
}
.search button {
  font: inherit; font-weight: 600; padding: 6px 14px; border: 1px solid var(--accent);
  border-radius: 0 8px 8px 0; background: var(--accent); color: var(--accent-ink); cursor: pointer;
}
.search input:focus-visible, .search button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.refresh { font-size: .8rem; color: var(--muted); display: inline-flex; align-items: center; gap: 6px; }
.refresh::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--ok); }
.refresh.paused::before { background: var(--muted); }
.refresh.stale::before { background: var(--bad); }

.page { max-width: 1280px; margin: 0 auto; padding: 18px 20px 40px; }
.page-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; margin-bottom: 14px; }
.page-head h1 { font-size: 1.35rem; }
.page-head p { margin: 0; color: var(--muted); font-size: .88rem; }
.grid { display: grid; gap: 16px; }
.summary { grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); margin-bottom: 16px; }
.two { grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); margin-top: 16px; }
.small-multiples { grid-template-columns: repeat(auto-fill, minmax(min(100%, 330px), 1fr)); }
.card {
  background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 16px 18px;
  box-shadow: var(--shadow); min-width: 0;
}
.section { margin-top: 16px; }
.card-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 4px 12px; margin-bottom: 10px; }
.card-head p { margin: 0; color: var(--muted); font-size: .85rem; }
.stat-label { font-size: .78rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; margin: 0 0 6px; }
.stat-big { font-size: 1.6rem; font-weight: 700; line-height: 1.1; }
.stat-note { color: var(--muted); font-size: .84rem; margin: 6px 0 0; }
.kv { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 8px 0 0; font-size: .88rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.list-plain { list-style: none; margin: 8px 0 0; padding: 0; font-size: .88rem; }
.list-plain li { display: flex; justify-content: space-between; align-items: center; gap: 10px; padding: 3px 0; border-top: 1px dashed var(--line); }
.list-plain li:first-child { border-top: 0; }
.list-plain .name { overflow-wrap: anywhere; }

.pill {
  display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px;
  font-size: .8rem; font-weight: 600; white-space: nowrap; background: var(--code); color: var(--muted);
}
.pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.pill.big { font-size: 1.15rem; padding: 4px 14px; }
.pill.ok { background: var(--ok-bg); color: var(--ok); }
.pill.warn { background: var(--warn-bg); color: var(--warn); }
.pill.bad { background: var(--bad-bg); color: var(--bad); }
.type {
  display: inline-block; padding: 1px 8px; border-radius: 6px; color: #fff; font-size: .75rem;
  font-weight: 700; letter-spacing: .03em; white-space: nowrap;
}

.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0 0 8px; padding: 0; list-style: none; font-size: .84rem; }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.legend .zero { color: var(--muted); }
.swatch { width: 12px; height: 12px; border-radius: 3px; flex: none; }
.swatch.line { height: 3px; border-radius: 2px; }
.swatch.dashed { background-image: linear-gradient(90deg, transparent 50%, var(--card) 50%); background-size: 6px 3px; }
.legend b { font-variant-numeric: tabular-nums; }

.chart { display: block; width: 100%; height: auto; overflow: visible; }
.chart text { font-size: 12px; fill: var(--muted); font-variant-numeric: tabular-nums; }
.chart .value-label { paint-order: stroke; stroke: var(--card); stroke-width: 3px; stroke-linejoin: round; }
.chart .gridline { stroke: var(--grid); stroke-width: 1; }
.chart .axis { stroke: var(--line); stroke-width: 1; }
.chart .bar:hover { opacity: .8; }
.chart .empty-note { font-size: 13px; }
.chart.bars { height: 260px; }
.chart.lines { height: 190px; }
@media (max-width: 640px) {
  .chart.bars { height: 200px; }
  .chart.lines { height: 170px; }
  .chart .minor { display: none; }
}
.chart-empty { color: var(--muted); font-size: .88rem; margin: 0; }

details.data { margin-top: 8px; font-size: .85rem; }
details.data summary { cursor: pointer; color: var(--accent); }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .76rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; }
/* Row headers are names (registrations, ids): shown as spelled, since case tells them apart. */
tbody th { text-transform: none; letter-spacing: normal; font-size: inherit; color: inherit; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.error-text { color: var(--bad); overflow-wrap: anywhere; }
.detail { display: block; }
.muted { color: var(--muted); }

.warn-text { color: var(--warn); }
.card.health { margin-bottom: 16px; display: grid; grid-template-columns: minmax(170px, auto) 1fr; gap: 8px 24px; align-items: start; }
.health-head .stat-note { margin-top: 8px; }
.counts { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 8px; }
.counts li { padding: 3px 10px; border-radius: 8px; font-size: .86rem; font-weight: 600; background: var(--code); color: var(--muted); }
.counts li.ok { background: var(--ok-bg); color: var(--ok); }
.counts li.warn { background: var(--warn-bg); color: var(--warn); }
.counts li.bad { background: var(--bad-bg); color: var(--bad); }
.reasons { margin: 10px 0 0; padding-left: 18px; font-size: .86rem; color: var(--bad); }
.reasons li { overflow-wrap: anywhere; margin-top: 2px; }
.range { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 6px; font-size: .85rem; }
.range a { padding: 1px 9px; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; }
.range a[aria-current] { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); font-weight: 600; }
.range .muted { margin-left: 6px; }
.chart-unit { margin: -4px 0 6px; color: var(--muted); font-size: .84rem; }
details.full-text summary { cursor: pointer; overflow-wrap: anywhere; }
details.full-text pre, pre.raw {
  margin: 6px 0 0; padding: 8px 10px; background: var(--code); color: var(--ink); border-radius: 8px;
  font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow: auto;
}
pre.raw { max-height: none; }
.outcome { display: grid; gap: 2px; }
td.actions, .actions { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
.actions form { margin: 0; display: inline; }
.actions button, .confirm button {
  font: inherit; font-size: .82rem; padding: 2px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--accent); background: transparent; color: var(--accent);
}
.actions button.danger, .confirm button.danger { border-color: var(--bad); background: var(--bad); color: #fff; }
.confirm summary { cursor: pointer; color: var(--bad); font-size: .84rem; }
.confirm[open] summary { margin-bottom: 4px; }
.actions button:focus-visible, .confirm summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.kv.left dd { text-align: left; }

.feed { list-style: none; margin: 0; padding: 0; }
.feed > li { padding: 12px 0; border-top: 1px solid var(--line); }
.feed > li:first-child { border-top: 0; padding-top: 2px; }
.note-head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; font-size: .9rem; }
.note-head .when { margin-left: auto; color: var(--muted); font-size: .82rem; white-space: nowrap; }
.changes { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 6px; }
.changes li { display: grid; grid-template-columns: minmax(0, 15rem) minmax(0, 1fr); gap: 2px 12px; font-size: .86rem; }
.changes .element { color: var(--muted); overflow-wrap: anywhere; }
.delta { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 6px; min-width: 0; }
.was, .now { padding: 0 6px; border-radius: 5px; overflow-wrap: anywhere; min-width: 0; }
.was { background: var(--was-bg); color: var(--was); }
.now { background: var(--now-bg); color: var(--now); font-weight: 600; }
.was.absent, .now.absent, .was.null, .now.null { background: var(--code); color: var(--muted); font-weight: 400; font-style: italic; }
.arrow { color: var(--muted); }
.stamp { color: var(--muted); font-size: .78rem; grid-column: 2; }
.no-changes { margin: 6px 0 0; color: var(--muted); font-size: .86rem; }
.more summary { cursor: pointer; color: var(--accent); font-size: .84rem; margin-top: 6px; }

.timeline { list-style: none; margin: 0; padding: 0 0 0 18px; border-left: 2px solid var(--line); }
.timeline > li { position: relative; padding: 0 0 18px 10px; }
.timeline > li::before {
  content: ""; position: absolute; left: -26px; top: 5px; width: 12px; height: 12px;
  border-radius: 50%; background: var(--card); border: 3px solid var(--dot, var(--accent));
}
.message { max-width: 640px; }
.message h1 { font-size: 1.35rem; }
footer.foot { color: var(--muted); font-size: .8rem; text-align: center; padding: 10px 20px 30px; }

@media (max-width: 640px) {
  body { font-size: 14px; }
  .top-inner { padding: 10px 14px; }
  .brand { margin-right: 0; width: 100%; }
  .search { width: 100%; }
  .search label { width: 100%; }
  .search-row { flex: 1; }
  .search input { flex: 1; width: auto; }
  .page { padding: 12px 12px 30px; }
  .card { padding: 14px; border-radius: 12px; }
  .summary { grid-template-columns: 1fr 1fr; gap: 10px; }
  .card.health { grid-template-columns: 1fr; margin-bottom: 10px; }
  .stat-big { font-size: 1.3rem; }
  .pill.big { font-size: 1rem; }
  .changes li { grid-template-columns: minmax(0, 1fr); }
  .stamp { grid-column: 1; }
  .note-head .when { margin-left: 0; width: 100%; }
  .hide-phone { display: none; }
  .sim-banner { position: static; font-size: .86rem; padding: 8px 12px; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack th, table.stack td { display: block; width: 100%; }
  table.stack tr { padding: 8px 0; border-bottom: 1px solid var(--line); }
  table.stack th, table.stack td { border: 0; padding: 2px 0; text-align: left; }
  table.stack td { display: flex; justify-content: space-between; gap: 12px; }
  table.stack td > * { text-align: right; }
  table.stack td::before { content: attr(data-label); color: var(--muted); flex: none; }
}
@media (max-width: 380px) { .summary { grid-template-columns: 1fr; } }
`;

/**
 * Fetches the live fragment every `data-refresh-seconds` and swaps it into `#live`, so the page
 * stays current without a reload (scroll position, opened details and focus survive). It pauses
 * while the tab is hidden and catches up as soon as it is shown again. Failures are shown next to
 * the refresh indicator rather than logged: a console error would look like a page bug.
 */
export const REFRESH_SCRIPT = `
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) return;
  var seconds = Number(live.getAttribute("data-refresh-seconds"));
  if (!(seconds > 0)) seconds = 15;
  var url = live.getAttribute("data-fragment-url") || "?fragment=1";
  var badge = document.getElementById("refresh-state");
  var timer = 0;
  var busy = false;
  function say(text, state) {
    if (!badge) return;
    badge.textContent = text;
    badge.className = "refresh " + state;
  }
  function schedule() {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(refresh, seconds * 1000);
  }
  function swap(html) {
    var open = [];
    live.querySelectorAll("details[id][open]").forEach(function (d) { open.push(d.id); });
    var focused = document.activeElement && live.contains(document.activeElement) && document.activeElement.id;
    live.innerHTML = html;
    open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.open = true;
    });
    if (focused) {
      var f = document.getElementById(focused);
      if (f) f.focus();
    }
    live.setAttribute("data-refreshes", String(Number(live.getAttribute("data-refreshes") || 0) + 1));
  }
  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { headers: { accept: "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        swap(html);
        say("Live · every " + seconds + " s", "ok");
      })
      .catch(function () {
        say("Not updating · retrying", "stale");
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
      say("Paused while hidden", "paused");
    } else {
      refresh();
    }
  });
  say("Live · every " + seconds + " s", "ok");
  schedule();
})();
`;
