import assert from "node:assert/strict";
import { compactNumber, niceScale, readableInk, typeColor } from "../../src/http/charts.tsx";
import { dashboardRoutes } from "../../src/http/dashboard_routes.tsx";
import { formatUtc, readableValue, relativeTime } from "../../src/http/layout.tsx";
import { REFRESH_SCRIPT } from "../../src/http/dashboard_style.ts";
import {
  expectedBars,
  FixtureProvider,
  KNOWN_DUNS,
  knownDashboard,
} from "../helpers/dashboard_fixture.ts";

async function get(path: string, provider = new FixtureProvider(), options = {}) {
  const app = dashboardRoutes(provider, options);
  const response = await app.request(path);
  return { response, text: await response.text(), provider };
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

Deno.test("status summary: health, breakers, registrations with their last tick", async () => {
  const { text } = await get("/");
  assert.match(text, /data-summary="health".*data-status="degraded">Degraded/s);
  assert.match(text, /1 of 3 sinks healthy/);
  assert.match(text, /D&amp;B Direct\+<\/span><span class="pill ok" data-breaker="closed">/);
  assert.match(
    text,
    /data-breaker="half_open"><span class="visually-hidden">breaker<\/span>Half-open/,
  );
  assert.match(text, /data-breaker="open">/);
  assert.match(text, /last tick <time datetime="2026-11-27T11:59:15.000Z"[^>]*>45 s ago<\/time>/);
  assert.match(text, /<tr data-registration="TRACEONE_DEMO_CUSTOMERS">.*7 min ago.*failed/s);
  assert.match(text, /<tr data-registration="NEW_REGISTRATION">.*never/s);
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
  assert.doesNotMatch(text, /<html|<head|<script|class="sim-banner"|<form/);
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
    latest: [],
  };
  const { response, text } = await get("/", provider);
  assert.equal(response.status, 200);
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
