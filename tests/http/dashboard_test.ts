import assert from "node:assert/strict";
import { compactNumber, niceScale, readableInk, typeColor } from "../../src/http/charts.tsx";
import { dashboardRoutes } from "../../src/http/dashboard_routes.tsx";
import { formatUtc, readableValue, relativeTime } from "../../src/http/layout.tsx";
import { REFRESH_SCRIPT } from "../../src/http/dashboard_style.ts";
import { outcomeText, perSecond, sampleEvery } from "../../src/http/dashboard_page.tsx";
import { age, shortText } from "../../src/http/dashboard_problems.tsx";
import { prettyJson } from "../../src/http/dead_letter_page.tsx";
import { crossSiteReason } from "../../src/http/same_origin.ts";
import { createHttpApp } from "../../src/http/app.ts";
import {
  createDashboardSource,
  type PipelineView,
  sampleInterval,
} from "../../src/http/dashboard_provider.ts";
import type { NotificationStore } from "../../src/model/notification_store.ts";
import { Secret } from "../../src/model/secret.ts";
import type { PipelineStatus } from "../../src/model/status.ts";
import type { DeadLetterSummary } from "../../src/pipeline/mod.ts";
import {
  expectedBars,
  FAILING_REASON,
  FixtureProvider,
  healthyDashboard,
  HOSTILE_RAW,
  KNOWN_DUNS,
  knownDashboard,
  WALL_OF_ERROR,
} from "../helpers/dashboard_fixture.ts";

async function get(path: string, provider = new FixtureProvider(), options = {}) {
  const app = dashboardRoutes(provider, options);
  const response = await app.request(path);
  return { response, text: await response.text(), provider };
}

/** A form post as the browser sends it from the dashboard itself, unless `headers` say else. */
async function post(
  path: string,
  options: { provider?: FixtureProvider; headers?: Record<string, string> } = {},
) {
  const provider = options.provider ?? new FixtureProvider();
  const app = dashboardRoutes(provider);
  const response = await app.request(`http://localhost${path}`, {
    method: "POST",
    headers: options.headers ?? { "sec-fetch-site": "same-origin", origin: "http://localhost" },
  });
  return { response, text: await response.text(), provider };
}

/** The markup of the element that starts with `opening` (its first match), up to its close. */
function element(text: string, opening: RegExp, tag: string): string {
  const match = opening.exec(text);
  assert.ok(match, String(opening));
  const tags = new RegExp(`<${tag}\\b|</${tag}>`, "g");
  tags.lastIndex = match.index;
  let depth = 0;
  for (let m = tags.exec(text); m; m = tags.exec(text)) {
    depth += m[0] === `</${tag}>` ? -1 : 1;
    if (depth === 0) return text.slice(match.index, m.index + tag.length + 3);
  }
  throw new Error(`unclosed <${tag}> for ${opening}`);
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, "g"))].length;
}

/** The markup of the svg whose opening tag carries `attributes`, up to its last `</svg>`. */
function chart(text: string, attributes: string): string {
  const start = text.indexOf(`<svg class="chart`, text.indexOf(attributes) - 200);
  assert.ok(text.includes(attributes), attributes);
  let depth = 0;
  const tag = /<svg\b|<\/svg>/g;
  tag.lastIndex = start;
  for (let match = tag.exec(text); match; match = tag.exec(text)) {
    depth += match[0] === "<svg" ? 1 : -1;
    if (depth === 0) return text.slice(start, match.index + 6);
  }
  throw new Error(`unclosed svg for ${attributes}`);
}

Deno.test("GET / renders a whole page: doctype, title, simulator banner, live part, one script", async () => {
  const { response, text } = await get("/");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  assert.ok(text.startsWith('<!doctype html><html lang="en">'));
  assert.match(text, /<title>\[SIMULATOR\] Dashboard · TraceOne Monitor<\/title>/);
  assert.match(text, /class="sim-banner"[^>]*>.*SIMULATOR/s);
  assert.match(
    text,
    /<div id="live" data-refresh-seconds="15" data-fragment-url="\/\?fragment=1">/,
  );
  assert.equal(count(text, /<script>/), 1);
  assert.ok(text.includes(REFRESH_SCRIPT));
  assert.match(text, /<form class="search" role="search" action="\/search" method="get">/);
});

Deno.test("no simulator, no banner", async () => {
  const provider = new FixtureProvider();
  provider.data.simulator = false;
  const { text } = await get("/", provider);
  assert.doesNotMatch(text, /class="sim-banner"|\[SIMULATOR\]/);
});

Deno.test("everything is served by the instance: no external URL, a CSP that allows only the inline script", async () => {
  const { response, text } = await get("/");
  assert.doesNotMatch(text, /(src|href|action)="(https?:)?\/\//);
  assert.doesNotMatch(text, /@import|url\(/);
  const csp = response.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(REFRESH_SCRIPT));
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  assert.ok(csp.includes(`script-src 'sha256-${hash}'`), csp);
  assert.equal(response.headers.get("cache-control"), "no-store");
});

Deno.test("the hourly chart has one bar per non-zero count, per type, at its hour", async () => {
  const data = knownDashboard();
  const { text } = await get("/");
  const svg = chart(text, 'data-chart="hourly"');
  assert.equal(count(svg, /<rect class="bar"/), expectedBars(data));
  for (const series of data.hourly.series) {
    const indexes = [...svg.matchAll(
      new RegExp(`data-series="${series.type}" data-index="(\\d+)" data-value="(\\d+)"`, "g"),
    )].map((m) => [Number(m[1]), Number(m[2])]);
    const expected = series.counts.map((n, i) => [i, n]).filter(([, n]) => n > 0);
    assert.deepEqual(indexes, expected, series.type);
  }
  // Legend with totals, the zero type included, and an accessible name and description.
  assert.match(text, /UPDATE <b>150<\/b>/);
  assert.match(text, /<li class="zero">.*TRANSFER <b>0<\/b>/);
  assert.match(svg, /role="img" aria-labelledby="chart-hourly-title chart-hourly-desc"/);
  assert.match(svg, /<desc id="chart-hourly-desc">48 hourly stacked bars/);
});

Deno.test("each sink's chart and the D&B chart have one point per sample and series", async () => {
  const data = knownDashboard();
  const { text } = await get("/");
  for (const sink of data.sinks) {
    const svg = chart(text, `data-chart="sink" data-name="${sink.name}"`);
    for (const series of ["lag", "errors"]) {
      assert.equal(
        count(svg, new RegExp(`<circle class="point" data-series="${series}"`)),
        sink.history.length,
      );
      const d = new RegExp(`<path class="line" data-series="${series}" d="([^"]+)"`).exec(svg)?.[1];
      assert.equal(d?.match(/[ML]/g)?.length, sink.history.length);
    }
  }
  const api = chart(text, 'data-chart="api"');
  for (const series of ["requests", "rate_limited", "errors"]) {
    assert.equal(
      count(api, new RegExp(`<circle class="point" data-series="${series}"`)),
      data.api.history.length,
    );
  }
});

Deno.test("the D&B panel gives the p95 latency from the request histogram", async () => {
  const { text } = await get("/");
  assert.match(text, /<dt>p95 latency \(since start\)<\/dt>\s*<dd>182 ms<\/dd>/);
});

Deno.test("status summary: health, breakers, registrations with their last tick", async () => {
  const { text } = await get("/");
  assert.match(text, /data-summary="health" data-state="failing">.*data-status="failing">Failing/s);
  assert.match(text, /D&amp;B Direct\+<\/span><span class="pill ok" data-breaker="closed">/);
  assert.match(
    text,
    /data-breaker="half_open"><span class="visually-hidden">breaker<\/span>Half-open/,
  );
  assert.match(text, /data-breaker="open">/);
  assert.match(text, /last tick <time datetime="2026-11-27T11:59:15.000Z"[^>]*>45 s ago<\/time>/);
  assert.match(
    text,
    /<tr data-registration="TRACEONE_DEMO_CUSTOMERS" data-failing="true">.*7 min ago.*failed/s,
  );
  assert.match(text, /<tr data-registration="NEW_REGISTRATION" data-failing="false">.*never/s);
  assert.match(
    text,
    /<caption class="visually-hidden">Registrations with their last tick<\/caption>/,
  );
});

Deno.test("latest notifications show previous → current readably and escape D&B text", async () => {
  const { text } = await get("/");
  const item = (element: string) => {
    const match = new RegExp(`<li data-element="${element}">(.*?)</li>`, "s").exec(text);
    assert.ok(match, element);
    return match[1];
  };
  // Strings unquoted, markup escaped.
  assert.match(
    item("organization.primaryName"),
    /<span class="was"\s*>Gorman Manufacturing<\/span>.*→.*<span class="now"\s*>Gorman Mfg &lt;Ltd&gt; &amp; Co<\/span>/s,
  );
  assert.match(item("organization.numberOfEmployees"), /"was"\s*>120<.*"now"\s*>135</s);
  assert.match(item("organization.website"), /<span class="was absent"\s*>\(none\)<\/span>/);
  assert.match(item("organization.fax"), /<span class="now null"\s*>—<\/span>/);
  assert.match(
    item("organization.primaryAddress"),
    /\{&quot;city&quot;:&quot;Dallas&quot;,&quot;postalCode&quot;:&quot;75201&quot;\}/,
  );
  // Long values are cut, the whole value is in the title.
  const long = item("organization.description");
  assert.match(
    long,
    new RegExp(`<span class="now" title="${"x".repeat(300)}">${"x".repeat(99)}…</span>`),
  );
  // D&B text never becomes markup.
  assert.match(item("organization.comment"), /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.equal(count(text, /<script>/), 1);
  // Beyond six elements the rest fold away, under an id the refresh keeps open.
  assert.match(
    text,
    /<details class="more" id="more-a1b2c3d4e5f60718293a4b5c6d7e8f90"><summary>2 more changed elements/,
  );
  assert.match(text, /No changed elements in this notification/);
  assert.match(text, /<a class="mono" href="\/duns\/081466849">081466849<\/a>/);
});

Deno.test("readableValue: strings unquoted, JSON compact, null —, absent (none), long cut", () => {
  assert.equal(readableValue('"ACME"').text, "ACME");
  assert.equal(readableValue("42").text, "42");
  assert.equal(readableValue("true").text, "true");
  assert.equal(readableValue('{ "a": [1, 2] }').text, '{"a":[1,2]}');
  assert.deepEqual(readableValue("null"), { kind: "null", text: "—", full: "—", truncated: false });
  assert.deepEqual(readableValue(null), {
    kind: "absent",
    text: "(none)",
    full: "(none)",
    truncated: false,
  });
  assert.equal(readableValue('""').kind, "empty");
  assert.equal(readableValue("not json").text, "not json");
  const long = readableValue(JSON.stringify("é".repeat(50)), { max: 10 });
  assert.deepEqual(long, {
    kind: "value",
    text: `${"é".repeat(9)}…`,
    full: "é".repeat(50),
    truncated: true,
  });
});

Deno.test("fragment: only the live part, for the refresh to swap in", async () => {
  const { response, text } = await get("/?fragment=1");
  assert.equal(response.status, 200);
  assert.ok(
    text.startsWith('<div class="dashboard" data-generated-at="2026-11-27T12:00:00.000Z">'),
  );
  assert.doesNotMatch(text, /<html|<head|<script|class="sim-banner"|<form class="search"/);
  assert.match(text, /data-chart="hourly"/);
});

Deno.test("refresh interval and base path are options", async () => {
  const { text } = await get("/", new FixtureProvider(), { refreshSeconds: 2, basePath: "/dash/" });
  assert.match(text, /data-refresh-seconds="2" data-fragment-url="\/dash\/\?fragment=1"/);
  assert.match(text, /action="\/dash\/search"/);
  assert.match(text, /href="\/dash\/duns\/081466849"/);
});

Deno.test("rendering is deterministic: the same data gives the same page", async () => {
  const first = (await get("/")).text;
  const second = (await get("/")).text;
  assert.equal(first, second);
});

Deno.test("empty data renders empty states, not errors", async () => {
  const provider = new FixtureProvider();
  provider.data = {
    ...knownDashboard(),
    hourly: { hours: [], series: [] },
    sinks: [],
    api: { ...knownDashboard().api, history: [] },
    registrations: [],
    deadLetters: { total: 0, bySink: [], latest: [] },
    gaps: [],
    journal: { batches: 0, notifications: 0, oldestBatchAt: null, oldestUndeliveredAt: null },
    latest: [],
  };
  const { response, text } = await get("/", provider);
  assert.equal(response.status, 200);
  assert.match(text, /data-section="dead-letters" data-total="0"/);
  assert.match(text, /No dead letters: every notification passed validation/);
  assert.match(text, /No gaps: whatever D&amp;B handed over is journaled or still replayable/);
  assert.match(text, /data-journal="oldest-undelivered"\s*>none: every sink is current/);
  assert.match(text, /No notifications stored in these hours/);
  assert.match(text, /No samples yet/);
  assert.match(text, /No sinks configured/);
  assert.match(text, /No registrations yet/);
  assert.match(text, /No notifications stored yet/);
  assert.equal(count(text, /<rect class="bar"/), 0);
});

Deno.test("company page: the timeline of every stored change of the DUNS", async () => {
  const { response, text, provider } = await get(`/duns/${KNOWN_DUNS}`);
  assert.equal(response.status, 200);
  assert.deepEqual(provider.asked, [KNOWN_DUNS]);
  assert.match(text, /<title>\[SIMULATOR\] DUNS 081466849 · TraceOne Monitor<\/title>/);
  assert.match(text, /<p class="company-name">Gorman Mfg &lt;Ltd&gt; &amp; Co<\/p>/);
  assert.match(
    text,
    /3 notifications, 4 changed elements, from 2026-11-18 12:00 UTC to 2026-11-27 11:58 UTC/,
  );
  const items = [
    ...text.matchAll(/<li data-notification="([0-9a-f]+)" style="--dot:#[0-9a-f]{6}">/g),
  ]
    .map((m) => m[1]);
  assert.deepEqual(items, [
    "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0",
    "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0",
    "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
  ]);
  assert.match(text, /"was"\s*>120<.*"now"\s*>135</s);
  assert.match(text, /"was absent"\s*>\(none\)<.*"now"\s*>Austin</s);
  assert.match(text, /value="081466849"/);
});

Deno.test("company page of a DUNS without stored changes says so", async () => {
  const { response, text } = await get("/duns/000000001");
  assert.equal(response.status, 200);
  assert.match(text, /No stored notifications\./);
  assert.match(text, /The SQL sink holds nothing for this DUNS/);
});

Deno.test("a malformed DUNS in the address is a 400 page, with a hint when it only had dashes", async () => {
  for (const bad of ["12345", "1234567890", "abc", "08-146-6849", "%3Cb%3E"]) {
    const { response, text, provider } = await get(`/duns/${bad}`);
    assert.equal(response.status, 400, bad);
    assert.match(text, /<h1 id="message-heading"[^>]*>Not a DUNS<\/h1>/);
    assert.deepEqual(provider.asked, []);
    assert.doesNotMatch(text, /<b>/);
  }
  const { text } = await get("/duns/08-146-6849");
  assert.match(text, /Did you mean <a href="\/duns\/081466849">081466849<\/a>\?/);
});

Deno.test("search: a typed DUNS redirects to its normalised page; a bad one explains why", async () => {
  for (const typed of ["08-146-6849", " 081466849 ", "08 146 6849"]) {
    const { response } = await get(`/search?duns=${encodeURIComponent(typed)}`);
    assert.equal(response.status, 302, typed);
    assert.equal(response.headers.get("location"), "/duns/081466849");
  }
  const short = await get("/search?duns=81466849");
  assert.equal(short.response.status, 400);
  assert.match(short.text, /8 digits; a DUNS has nine \(a lost leading zero\? e\.g\. 081466849\)/);
  assert.match(short.text, /value="81466849"/);
  const empty = await get("/search?duns=");
  assert.equal(empty.response.status, 400);
  assert.match(empty.text, /Type a DUNS/);
  const hostile = await get(`/search?duns=${encodeURIComponent('"><script>x</script>')}`);
  assert.equal(hostile.response.status, 400);
  assert.doesNotMatch(hostile.text, /<script>x/);
});

Deno.test("message pages keep the simulator banner once the provider said so", async () => {
  const provider = new FixtureProvider();
  const app = dashboardRoutes(provider);
  assert.doesNotMatch(await (await app.request("/duns/1")).text(), /class="sim-banner"/);
  await app.request("/");
  assert.match(await (await app.request("/duns/1")).text(), /class="sim-banner"/);
});

Deno.test("provider failure: 503 page, 503 fragment (the page keeps its last content)", async () => {
  const provider = new FixtureProvider();
  provider.failing = true;
  const page = await get("/", provider);
  assert.equal(page.response.status, 503);
  assert.match(page.text, /Data unavailable/);
  assert.doesNotMatch(page.text, /database is down/);
  const fragment = await get("/?fragment=1", provider);
  assert.equal(fragment.response.status, 503);
  const company = await get(`/duns/${KNOWN_DUNS}`, provider);
  assert.equal(company.response.status, 503);
});

Deno.test("chart helpers: round scales, compact labels, stable type colours, readable badge ink", () => {
  assert.deepEqual(niceScale(0), { top: 1, step: 1, ticks: [0, 1] });
  assert.deepEqual(niceScale(10), { top: 10, step: 5, ticks: [0, 5, 10] });
  assert.deepEqual(niceScale(3), { top: 3, step: 1, ticks: [0, 1, 2, 3] });
  assert.deepEqual(niceScale(1234).ticks, [0, 500, 1000, 1500]);
  assert.equal(compactNumber(1500), "1.5k");
  assert.equal(compactNumber(2_000_000), "2M");
  assert.equal(compactNumber(12), "12");
  assert.equal(typeColor("UPDATE"), "#3b6fe0");
  assert.equal(typeColor("SOMETHING_NEW"), typeColor("SOMETHING_NEW"));
  assert.match(typeColor("SOMETHING_NEW"), /^#[0-9a-f]{6}$/);
  assert.equal(readableInk("#3b6fe0"), "#ffffff");
  assert.equal(readableInk("#e59a1a"), "#1a1200");
});

Deno.test("times: UTC, relative to the data's own clock", () => {
  assert.equal(formatUtc("2026-11-27T08:05:09.000Z"), "2026-11-27 08:05 UTC");
  assert.equal(formatUtc("2026-11-27T08:05:09.000Z", { seconds: true }), "2026-11-27 08:05:09 UTC");
  assert.equal(formatUtc("garbage"), "garbage");
  const now = "2026-11-27T12:00:00.000Z";
  assert.equal(relativeTime("2026-11-27T11:59:58.000Z", now), "just now");
  assert.equal(relativeTime("2026-11-27T11:59:15.000Z", now), "45 s ago");
  assert.equal(relativeTime("2026-11-27T11:53:00.000Z", now), "7 min ago");
  assert.equal(relativeTime("2026-11-27T09:00:00.000Z", now), "3 h ago");
  assert.equal(relativeTime("2026-11-20T12:00:00.000Z", now), "7 d ago");
  assert.equal(relativeTime("2026-11-27T12:01:00.000Z", now), "in 60 s");
});

Deno.test("health card: not healthy, counts registrations, sinks, token, dead letters and gaps, lists /readyz's reasons escaped", async () => {
  const { text } = await get("/");
  const card = element(text, /<div class="card health"/, "div");
  assert.match(card, /data-state="failing"/);
  assert.match(card, /data-status="failing">Failing/);
  assert.match(card, /not ready: \/readyz answers 503/);
  const counts = Object.fromEntries(
    [...card.matchAll(/<li class="(\w+)" data-count="([\w-]+)">([^<]*)<\/li>/g)]
      .map((m) => [m[2], [m[1], m[3]]]),
  );
  assert.deepEqual(counts, {
    registrations: ["bad", "1 of 3 registrations failing"],
    sinks: ["bad", "3 sinks: 1 failing, 1 degraded"],
    token: ["ok", "D&amp;B token valid"],
    "dead-letters": ["warn", "3 dead letters"],
    gaps: ["warn", "1 replay gap"],
  });
  assert.match(
    card,
    /Failing: <span class="mono" data-registration-name="TRACEONE_DEMO_CUSTOMERS">TRACEONE_DEMO_CUSTOMERS<\/span> \(14 ticks\)/,
  );
  const reasons = [...card.matchAll(/<li data-reason="\d+">(.*?)<\/li>/gs)].map((m) => m[1]);
  assert.equal(reasons.length, 2);
  // The same line as /readyz, escaped: `<from gateway> & retry later`.
  assert.equal(
    reasons[0],
    `<span class="short-text">${
      FAILING_REASON.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
    }</span>`,
  );
  assert.doesNotMatch(card, /<from gateway>/);
});

Deno.test("health card of a healthy instance: healthy, zero counts, no reasons", async () => {
  const provider = new FixtureProvider();
  provider.data = healthyDashboard();
  const { text } = await get("/", provider);
  const card = element(text, /<div class="card health"/, "div");
  assert.match(card, /data-status="healthy">Healthy/);
  assert.match(card, /ready, nothing to look at/);
  assert.match(card, /data-count="registrations">0 of 3 registrations failing/);
  assert.match(card, /data-count="dead-letters">0 dead letters/);
  assert.doesNotMatch(card, /data-reason|Failing:/);
  assert.match(text, /No dead letters/);
});

Deno.test("health card: degraded means ready, with the counts saying where", async () => {
  const provider = new FixtureProvider();
  provider.data = healthyDashboard();
  provider.data.summary = { ...provider.data.summary, state: "degraded", deadLetters: 2 };
  const { text } = await get("/", provider);
  assert.match(
    text,
    /data-status="degraded">Degraded<\/span><p class="stat-note">ready, with problems/,
  );
  assert.match(text, /<li class="warn" data-count="dead-letters">2 dead letters<\/li>/);
});

Deno.test("registrations: outcomes in words, a failing one short with since and failed ticks, the full error on click", async () => {
  const { text } = await get("/");
  const row = (ref: string) => element(text, new RegExp(`<tr data-registration="${ref}"`), "tr");
  assert.match(
    row("TRACEONE_DEMO_SUPPLIERS"),
    /data-outcome="lease_held">held by another instance</,
  );
  const failing = row("TRACEONE_DEMO_CUSTOMERS");
  assert.match(failing, /data-failing="true"/);
  assert.match(failing, /data-outcome="failed">failed</);
  assert.match(
    failing,
    /data-failing-since="2026-11-27T11:53:00.000Z">failing since <time[^>]*>7 min ago<\/time> · 14 failed ticks/,
  );
  const details = element(failing, /<details class="full-text/, "details");
  const summary = /<summary>(.*?)<\/summary>/.exec(details)![1];
  assert.equal(summary, "429 Too Many Requests &lt;from gateway&gt; &amp; retry later …");
  assert.ok(shortText(WALL_OF_ERROR).length <= 120);
  // The whole text is inside the folded part, and only there.
  const full = /<pre>(.*?)<\/pre>/s.exec(details)![1];
  assert.equal(
    full.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"'),
    WALL_OF_ERROR,
  );
  assert.doesNotMatch(text.replace(details, ""), /at pull/);
  assert.match(row("NEW_REGISTRATION"), /never.*—/s);
});

Deno.test("outcomeText, shortText, age", () => {
  assert.deepEqual(
    ["drained", "cap", "lease_held", "failed", "stopped", "future_kind"].map(outcomeText),
    ["drained", "more queued", "held by another instance", "failed", "stopped", "future_kind"],
  );
  assert.equal(shortText("one line"), "one line");
  assert.equal(shortText("first\nsecond"), "first …");
  const long = shortText("é".repeat(300));
  assert.equal(Array.from(long).length, 120);
  assert.ok(long.endsWith("…"));
  assert.equal(Array.from(shortText(`${"a".repeat(119)}\nmore`)).length, 120);
  assert.equal(age("2026-11-27T11:50:00.000Z", "2026-11-27T12:00:00.000Z"), "10 min");
  assert.equal(age("2026-11-27T12:00:30.000Z", "2026-11-27T12:00:00.000Z"), "0 s");
});

Deno.test("dead-letter panel: count per sink, the latest with show, retry and discard, hostile fields escaped", async () => {
  const { text } = await get("/");
  const panel = element(text, /<section class="card section" id="dead-letters"/, "section");
  assert.match(panel, /data-total="3"/);
  assert.match(panel, /3 kept with their raw JSON/);
  const perSink = [...panel.matchAll(/data-dead-letter-sink="(\w+)" data-count="(\d+)"/g)]
    .map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(perSink, [["sql", 1], ["validation", 2]]);
  const rows = [...panel.matchAll(/<tr data-dead-letter="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(rows, [
    "validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
    "validation/d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2",
    "sql/d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3",
  ]);
  const first = element(panel, /<tr data-dead-letter="validation\/d1/, "tr");
  const href = "/dead-letters/validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
  assert.match(first, new RegExp(`<a href="${href}" data-action="show">show</a>`));
  assert.match(first, new RegExp(`<form method="post" action="${href}/retry">`));
  assert.match(first, new RegExp(`<form method="post" action="${href}/discard">`));
  assert.match(first, /title="d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1">d1d1d1d1d1d1<\/a>/);
  // Registration and reason came from outside: text, never markup.
  assert.match(first, /&quot;&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
  assert.match(
    first,
    /<summary>organization\.duns: expected a 9-digit string, got &quot;&lt;img src=x onerror=alert\(1\)&gt;&quot; …<\/summary>/,
  );
  assert.doesNotMatch(text, /<img|<script>alert/);
  assert.match(first, /<time datetime="2026-11-27T11:58:30.000Z"[^>]*>2 min ago<\/time>/);
  // Discard asks twice: the confirming button sits inside a folded part.
  assert.match(first, /<details class="confirm" id="discard-0-validation_d1d1/);
});

Deno.test("dead-letter panel says when it shows only the latest", async () => {
  const provider = new FixtureProvider();
  provider.data.deadLetters.total = 57;
  const { text } = await get("/", provider);
  assert.match(
    text,
    /The latest 3 of 57; the CLI&#39;s `deadletters list` lists all\.|The latest 3 of 57; the CLI's `deadletters list` lists all\./,
  );
});

Deno.test("show: a dead letter's raw JSON on its own page, escaped, digits kept", async () => {
  const path = "/dead-letters/validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
  const { response, text } = await get(path);
  assert.equal(response.status, 200);
  assert.match(text, /<title>\[SIMULATOR\] Dead letter d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1/);
  const raw = /<pre class="raw" data-raw="true">(.*?)<\/pre>/s.exec(text)![1];
  assert.doesNotMatch(raw, /<\/pre>|<script>/);
  assert.match(raw, /&lt;\/pre&gt;&lt;script&gt;alert\(3\)&lt;\/script&gt;/);
  assert.match(raw, /"n": 12345678901234567890|&quot;n&quot;: 12345678901234567890/);
  assert.equal(count(text, /<script>/), 0, "no script on this page at all");
  assert.match(
    text,
    /data-reason="true">organization\.duns: expected a 9-digit string, got &quot;&lt;img/,
  );
  assert.match(text, new RegExp(`<form method="post" action="${path}/retry">`));
  assert.match(text, new RegExp(`<a href="${path}/raw" data-action="raw">`));

  const plain = await get(`${path}/raw`);
  assert.equal(plain.response.status, 200);
  assert.equal(plain.response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(plain.response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(plain.text, HOSTILE_RAW);

  const missing = await get("/dead-letters/validation/ffff");
  assert.equal(missing.response.status, 404);
  assert.match(missing.text, /no such dead letter/);
});

Deno.test("prettyJson indents without re-serialising; text that is not JSON stays as it is", () => {
  assert.deepEqual(prettyJson('{"a":[1,{"b":"x,\\"y:"}],"c":{},"d":[]}'), {
    text: '{\n  "a": [\n    1,\n    {\n      "b": "x,\\"y:"\n    }\n  ],\n  "c": {},\n  "d": []\n}',
    parsed: true,
  });
  assert.equal(prettyJson('{"n":12345678901234567890}').text, '{\n  "n": 12345678901234567890\n}');
  assert.deepEqual(prettyJson("not json"), { text: "not json", parsed: false });
});

Deno.test("discard from the dashboard: the letter goes, the panel counts one fewer", async () => {
  const provider = new FixtureProvider();
  const key = "validation/d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2";
  const { response, text } = await post(`/dead-letters/${key}/discard`, { provider });
  assert.equal(response.status, 200);
  assert.deepEqual(provider.actions, [{ action: "discard", key }]);
  assert.match(text, /data-action-result="discard" data-ok="true"/);
  assert.match(text, /Dead letter discarded/);
  const after = await get("/", provider);
  assert.match(after.text, /data-section="dead-letters" data-total="2"/);
  assert.match(after.text, /data-dead-letter-sink="validation" data-count="1"/);
  assert.doesNotMatch(after.text, new RegExp(`data-dead-letter="${key}"`));
  const again = await post(`/dead-letters/${key}/discard`, { provider });
  assert.equal(again.response.status, 404);
  assert.match(again.text, /Dead letter not found/);
});

Deno.test("retry from the dashboard: the outcome is shown; one that failed stays", async () => {
  const provider = new FixtureProvider();
  const invalid = await post(
    "/dead-letters/validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1/retry",
    { provider },
  );
  assert.equal(invalid.response.status, 200);
  assert.match(invalid.text, /Retry did not work/);
  assert.match(
    invalid.text,
    /still invalid: organization\.duns: expected a 9-digit string, got &quot;&lt;img/,
  );
  assert.match(invalid.text, /It stays a dead letter: <a href="\/dead-letters\/validation\/d1d1/);
  const fine = await post("/dead-letters/sql/d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3/retry", { provider });
  assert.match(fine.text, /Dead letter retried/);
  assert.match(fine.text, /delivered to sql/);
  assert.equal(provider.letters.length, 2);
});

Deno.test("dead-letter actions refuse cross-site requests and GET", async () => {
  const path = "/dead-letters/validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1/discard";
  for (
    const headers of [
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      { "sec-fetch-site": "same-site", origin: "http://other.localhost" },
      { origin: "https://evil.example" },
      { origin: "null" },
    ] as Record<string, string>[]
  ) {
    const { response, text, provider } = await post(path, { headers });
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.match(text, /data-code="CROSS_SITE_REQUEST"/);
    assert.deepEqual(provider.actions, [], JSON.stringify(headers));
  }
  // Older browsers send only Origin; scripts holding the token send neither.
  for (const headers of [{ origin: "http://localhost" }, {}] as Record<string, string>[]) {
    const { response } = await post(path, { headers });
    assert.equal(response.status, 200, JSON.stringify(headers));
  }
  const get = await dashboardRoutes(new FixtureProvider()).request(path);
  assert.equal(get.status, 404, "a link cannot discard");
});

Deno.test("crossSiteReason: Sec-Fetch-Site first, then Origin against this host", () => {
  const hosts = ["monitor.internal:8080", undefined];
  const check = (secFetchSite: string | null, origin: string | null) =>
    crossSiteReason({ secFetchSite, origin, hosts });
  assert.equal(check("same-origin", null), null);
  assert.equal(check("same-site", null), "sec-fetch-site");
  assert.equal(check("none", null), "sec-fetch-site");
  assert.equal(check(null, "http://monitor.internal:8080"), null);
  assert.equal(check(null, "https://MONITOR.internal:8080"), null, "behind TLS termination");
  assert.equal(check(null, "http://monitor.internal:9090"), "origin");
  assert.equal(check(null, "null"), "origin");
  assert.equal(check(null, null), null);
});

Deno.test("gaps and journal panels show the status model's gaps and journal", async () => {
  const { text } = await get("/");
  const gaps = element(text, /<section class="card" aria-labelledby="gaps-heading"/, "section");
  assert.match(gaps, /data-total="1"/);
  const row = element(gaps, /<tr data-gap="TRACEONE_DEMO_CUSTOMERS">/, "tr");
  assert.match(
    row,
    /<time datetime="2026-11-27T09:14:05.000Z">2026-11-27 09:14:05 UTC<\/time> – <time datetime="2026-11-27T09:14:06.000Z">2026-11-27 09:14:06 UTC<\/time>/,
  );
  assert.match(row, /than one replay response can hold &lt;100&gt;/);
  assert.match(row, /150 notifications beyond reach \(at least\)/);
  const journal = element(
    text,
    /<section class="card" aria-labelledby="journal-heading"/,
    "section",
  );
  assert.match(journal, /data-journal="batches">42</);
  assert.match(journal, /data-journal="notifications">1,234</);
  assert.match(journal, /data-journal="oldest-batch"><time datetime="2026-11-26T10:00:00.000Z"/);
  assert.match(
    journal,
    /data-journal="oldest-undelivered" class="warn-text"><time datetime="2026-11-27T11:50:00.000Z"[^>]*>2026-11-27 11:50 UTC<\/time> · <span data-journal="undelivered-age">10 min old<\/span>/,
  );
});

Deno.test("line charts say their unit and interval; the D&B chart draws rates per second", async () => {
  const data = knownDashboard();
  const { text } = await get("/");
  assert.match(text, /<p class="chart-unit" data-unit="api">requests\/s, sampled every 30 s<\/p>/);
  assert.match(
    text,
    /data-unit="sinks">lag in batches waiting, errors per sample; sampled every 30 s/,
  );
  const api = chart(text, 'data-chart="api"');
  assert.match(
    api,
    /<title id="chart-api-title">D&amp;B requests, 429 responses and errors per second, sampled every 30 s<\/title>/,
  );
  const values = [...api.matchAll(/data-series="requests" data-index="\d+" data-value="([\d.]+)"/g)]
    .map((m) => Number(m[1]));
  assert.deepEqual(
    values,
    data.api.history.map((s) => Math.round((s.requests / 30) * 1000) / 1000),
  );
  // A rate axis steps below 1: its top label is a fraction, not a whole 1.
  assert.match(api, />0\.8<\/text>/);
  const sql = chart(text, 'data-chart="sink" data-name="sql"');
  assert.match(sql, /Sink sql: lag in batches and errors per sample, sampled every 30 s/);
});

Deno.test("perSecond divides by the real gap between samples; sampleEvery names the interval", () => {
  const samples = [
    { at: "2026-11-27T12:00:00.000Z", requests: 0, rateLimited: 0, errors: 0 },
    { at: "2026-11-27T12:00:30.000Z", requests: 15, rateLimited: 0, errors: 0 },
    { at: "2026-11-27T12:01:30.000Z", requests: 15, rateLimited: 0, errors: 0 },
  ];
  assert.deepEqual(perSecond(samples, { pick: (s) => s.requests, sampleSeconds: 30 }), [
    0,
    0.5,
    0.25,
  ]);
  assert.equal(sampleEvery(30), "sampled every 30 s");
  assert.equal(sampleEvery(300), "sampled every 5 min");
  assert.deepEqual(niceScale(0.7, { fractional: true }), {
    top: 0.8,
    step: 0.2,
    ticks: [0, 0.2, 0.4, 0.6, 0.8],
  });
  assert.deepEqual(niceScale(0.7), { top: 1, step: 1, ticks: [0, 1] });
});

Deno.test("time range: ?hours=1|24|48 picks the hourly chart's range, server-side; anything else is a 400", async () => {
  for (const hours of [1, 24, 48] as const) {
    const { response, text, provider } = await get(`/?hours=${hours}`);
    assert.equal(response.status, 200);
    assert.deepEqual(provider.queries, [{ hours }]);
    const svg = chart(text, 'data-chart="hourly"');
    assert.match(svg, new RegExp(`<desc id="chart-hourly-desc">${hours} hourly stacked bars?,`));
    assert.match(
      text,
      new RegExp(
        `<a href="/\\?hours=${hours}" aria-current="page" data-range="${hours}">${hours} h</a>`,
      ),
    );
    assert.match(text, new RegExp(`Notifications · ${hours} h`));
    // The refresh keeps the range.
    const fragment = hours === 48 ? "/?fragment=1" : `/?fragment=1&amp;hours=${hours}`;
    assert.ok(text.includes(`data-fragment-url="${fragment}"`), fragment);
  }
  const { provider } = await get("/");
  assert.deepEqual(provider.queries, [{ hours: 48 }]);
  const fragment = await get("/?fragment=1&hours=24");
  assert.match(fragment.text, /data-section="hourly" data-hours="24"/);
  for (const bad of ["7", "abc", "1.0", "-1"]) {
    const { response, provider } = await get(`/?hours=${bad}`);
    assert.equal(response.status, 400, bad);
    assert.deepEqual(provider.queries, []);
  }
});

/** A status model with one registration failing since `failingSince` and one gap. */
function pipelineStatus(failingSince: string | null): PipelineStatus {
  const registration = (reference: string) => ({
    reference,
    active: true,
    lastTick: "2026-11-27T11:59:00.000Z",
    lastOutcome: "drained",
    lastPullCount: 3,
    backlogEstimate: 0,
    lastError: null,
    failingSince: null,
    failedTicks: 0,
    lastLostResponses: 0,
    rateLimitedUntil: null,
    gap: null,
  });
  return {
    generatedAt: "2026-11-27T12:00:00.000Z",
    service: {
      running: true,
      environment: "test",
      version: "9.9.9",
      uptimeSeconds: 60,
      simulator: false,
    },
    authentication: {
      isAuthenticated: true,
      tokenExpiresIn: 3000,
      lastError: null,
      warning: null,
      lastRejection: null,
    },
    api: { breaker: "closed", rateLimit: 5, requests: 10, errors: 0, rateLimited: 0, retries: 0 },
    registrationList: { source: "config", lastListedAt: null, lastError: null },
    registrations: [
      {
        ...registration("BROKEN"),
        lastOutcome: "failed",
        lastError: "404 21901 registration not found",
        failingSince,
        failedTicks: failingSince ? 4 : 0,
      },
      {
        ...registration("GOOD"),
        gap: { from: "2026-11-27T09:00:00.000Z", to: "2026-11-27T09:00:01.000Z", message: "lost" },
      },
    ],
    sinks: [],
    journal: {
      batches: 2,
      notifications: 7,
      oldestBatchAt: "2026-11-27T10:00:00.000Z",
      oldestUndeliveredAt: null,
    },
    deadLetters: { validation: 2, sql: 1 },
    subjectChanges: [],
  };
}

function letterSummary(sink: string, id: string, at: string): DeadLetterSummary {
  return {
    sink,
    registration: "GOOD",
    notificationId: id,
    reason: "bad",
    at,
    batchSequence: null,
    key: `${sink}/${id}`,
    rawBytes: 4,
  };
}

/** A `PipelineView` over plain data that records what the dashboard asked of it. */
function fakePipeline(status: PipelineStatus) {
  const letters = [
    letterSummary("validation", "b2", "2026-11-27T11:00:00.000Z"),
    letterSummary("validation", "a1", "2026-11-27T10:00:00.000Z"),
    letterSummary("sql", "c3", "2026-11-27T09:00:00.000Z"),
  ];
  const calls: string[] = [];
  const pipeline: PipelineView = {
    status: () => Promise.resolve(structuredClone(status)),
    thresholds: { registrationFailure: 60, sinkFailure: 300 },
    apiHistory: () => [
      { at: "2026-11-27T11:59:00.000Z", requests: 0, rateLimited: 0, errors: 0 },
      { at: "2026-11-27T11:59:10.000Z", requests: 5, rateLimited: 0, errors: 0 },
      { at: "2026-11-27T11:59:20.000Z", requests: 5, rateLimited: 0, errors: 0 },
    ],
    sinkHistory: () => [],
    listDeadLetters: (options) => {
      calls.push(`list ${options.limit}`);
      return Promise.resolve(letters.slice(0, options.limit));
    },
    readDeadLetter: (key) => {
      const letter = letters.find((l) => l.key === key);
      return Promise.resolve(letter ? { ...letter, raw: "{}" } : null);
    },
    retryDeadLetter: (letter) => {
      calls.push(`retry ${letter.key} raw:${"raw" in letter}`);
      return Promise.resolve({ ok: false, message: "still invalid: bad" });
    },
    discardDeadLetter: (letter) => {
      calls.push(`discard ${letter.key} raw:${"raw" in letter}`);
      letters.splice(letters.findIndex((l) => l.key === letter.key), 1);
      return Promise.resolve();
    },
  };
  return { pipeline, calls };
}

Deno.test("dashboard source: the health card from the status model, failing past the threshold, naming the registration", async () => {
  const nowMs = Date.parse("2026-11-27T12:00:00.000Z");
  for (
    const [since, state] of [
      [null, "degraded"], // dead letters and a gap to look at
      ["2026-11-27T11:59:30.000Z", "degraded"], // failing, inside the 60 s threshold
      ["2026-11-27T11:58:00.000Z", "failing"],
    ] as const
  ) {
    const { pipeline } = fakePipeline(pipelineStatus(since));
    const source = createDashboardSource({ pipeline, store: null, now: () => nowMs });
    const data = await source.dashboard();
    assert.equal(data.summary.state, state, String(since));
    assert.equal(data.summary.registrations.failing, since ? 1 : 0);
    assert.equal(data.summary.deadLetters, 3);
    assert.equal(data.summary.gaps, 1);
    if (state === "failing") {
      assert.equal(data.summary.reasons.length, 1);
      assert.match(
        data.summary.reasons[0],
        /^registration "BROKEN" has failed every tick for 120 s/,
      );
    } else {
      assert.deepEqual(data.summary.reasons, []);
    }
  }
});

Deno.test("dashboard source: dead letters, gaps, journal, registrations, sample interval, hourly range", async () => {
  const nowMs = Date.parse("2026-11-27T12:34:00.000Z");
  const { pipeline, calls } = fakePipeline(pipelineStatus("2026-11-27T11:00:00.000Z"));
  const asked: Date[] = [];
  const store: NotificationStore = {
    recent: () => Promise.resolve([]),
    history: () => Promise.resolve([]),
    hourlyCounts: ({ since }) => {
      asked.push(since);
      return Promise.resolve([
        { hour: "2026-11-27T12", type: "UPDATE", count: 4 },
        { hour: "2026-11-27T11", type: "UPDATE", count: 2 },
        { hour: "2026-11-26T10", type: "SEED", count: 9 },
      ]);
    },
    count: () => Promise.resolve(0),
  };
  const source = createDashboardSource({ pipeline, store, now: () => nowMs });
  const data = await source.dashboard({ hours: 24 });
  assert.deepEqual(asked, [new Date("2026-11-26T13:00:00.000Z")]);
  assert.equal(data.hourly.hours.length, 24);
  assert.equal(data.hourly.hours.at(-1), "2026-11-27T12:00:00.000Z");
  assert.deepEqual(data.hourly.series, [{
    type: "UPDATE",
    counts: [...new Array(22).fill(0), 2, 4],
  }]);
  assert.equal((await source.dashboard({ hours: 1 })).hourly.hours.length, 1);
  assert.equal(data.sampleSeconds, 10, "from the samples' own spacing");
  assert.deepEqual(data.deadLetters.bySink, [{ sink: "sql", count: 1 }, {
    sink: "validation",
    count: 2,
  }]);
  assert.equal(data.deadLetters.total, 3);
  assert.deepEqual(data.deadLetters.latest.map((l) => l.key), [
    "validation/b2",
    "validation/a1",
    "sql/c3",
  ]);
  assert.ok(calls.includes("list 20"));
  assert.deepEqual(data.gaps, [{
    registration: "GOOD",
    from: "2026-11-27T09:00:00.000Z",
    to: "2026-11-27T09:00:01.000Z",
    message: "lost",
    unreachable: null,
  }]);
  assert.equal(data.journal.batches, 2);
  const broken = data.registrations.find((r) => r.reference === "BROKEN")!;
  assert.equal(broken.failingSince, "2026-11-27T11:00:00.000Z");
  assert.equal(broken.failedTicks, 4);
  assert.equal(sampleInterval([], 30), 30);
});

Deno.test("dashboard source: show, retry and discard go through the port, by key", async () => {
  const { pipeline, calls } = fakePipeline(pipelineStatus(null));
  const source = createDashboardSource({ pipeline, store: null });
  const shown = await source.deadLetter("sql/c3");
  assert.equal(shown.simulator, false);
  assert.equal(shown.letter?.raw, "{}");
  assert.equal((await source.deadLetter("sql/nope")).letter, null);
  assert.deepEqual(await source.retryDeadLetter("validation/a1"), {
    found: true,
    ok: false,
    message: "still invalid: bad",
  });
  assert.deepEqual(await source.discardDeadLetter("validation/a1"), {
    found: true,
    ok: true,
    message: "discarded validation/a1 for good",
  });
  assert.equal((await source.discardDeadLetter("validation/a1")).found, false);
  assert.equal((await source.retryDeadLetter("nope")).found, false);
  // The port gets the summary, never the raw JSON it would not need.
  assert.deepEqual(calls.filter((c) => !c.startsWith("list")), [
    "retry validation/a1 raw:false",
    "discard validation/a1 raw:false",
  ]);
});

Deno.test("behind http.auth_token, the dead-letter actions need the token too", async () => {
  const provider = new FixtureProvider();
  const app = createHttpApp({
    views: {
      status: () => Promise.resolve({}),
      readiness: () => Promise.resolve({ ready: true, reasons: [] }),
      metrics: () => Promise.resolve(""),
    },
    authToken: new Secret("s3cret"),
    dashboard: dashboardRoutes(provider),
  });
  const path = "http://localhost/dead-letters/validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1/discard";
  const headers = { "sec-fetch-site": "same-origin", origin: "http://localhost" };
  assert.equal((await app.request(path, { method: "POST", headers })).status, 401);
  assert.equal((await app.request(path.replace("/discard", ""))).status, 401);
  assert.deepEqual(provider.actions, []);
  const basic = `Basic ${btoa("operator:s3cret")}`;
  const crossSite = await app.request(path, {
    method: "POST",
    headers: { authorization: basic, "sec-fetch-site": "cross-site" },
  });
  assert.equal(crossSite.status, 403, "the browser's stored credentials do not make it same-site");
  const ok = await app.request(path, {
    method: "POST",
    headers: { ...headers, authorization: basic },
  });
  assert.equal(ok.status, 200);
  assert.equal(provider.actions.length, 1);
});
