import assert from "node:assert/strict";
import { Hono } from "hono";
import { dashboardRoutes } from "../../src/http/dashboard_routes.tsx";
import { CHROMIUM_INSTALL, chromiumAvailable, launchChromium } from "../helpers/chromium.ts";
import { prettyJson } from "../../src/http/dead_letter_page.tsx";
import {
  expectedBars,
  FixtureProvider,
  HOSTILE_RAW,
  KNOWN_DUNS,
  WALL_OF_ERROR,
} from "../helpers/dashboard_fixture.ts";

const OUTPUT = new URL("../../test-output/", import.meta.url).pathname;
/** Short, so the refresh can be watched within the test's time. */
const REFRESH_SECONDS = 0.4;
const available = chromiumAvailable();
const NAME = "dashboard in headless Chromium: charts match the known data, errors open on " +
  "click, dead letters shown and discarded, time range, company page, refresh without reload, " +
  "phone width, no console errors";

Deno.test({
  // Reported as ignored, with the fix in its name, where the browser is missing: never a pass.
  name: available ? NAME : `${NAME} (needs: ${CHROMIUM_INSTALL})`,
  ignore: !available,
  async fn(t) {
    await Deno.mkdir(OUTPUT, { recursive: true });
    const provider = new FixtureProvider();
    const known = structuredClone(provider.data);
    const app = new Hono();
    app.route("/", dashboardRoutes(provider, { refreshSeconds: REFRESH_SECONDS }));
    const server = await serve(app);
    const browser = await launchChromium();
    try {
      await browser.setViewport(1280, 900);

      await t.step("the charts have one bar or point per known value", async () => {
        await browser.open(server.url);
        const bars = await browser.evaluate<Record<string, number>>(`(() => {
          const counts = {};
          for (const bar of document.querySelectorAll('svg[data-chart="hourly"] rect.bar')) {
            counts[bar.dataset.series] = (counts[bar.dataset.series] ?? 0) + 1;
          }
          return counts;
        })()`);
        const expected = Object.fromEntries(
          known.hourly.series.map((s) => [s.type, s.counts.filter((n) => n > 0).length])
            .filter(([, n]) => Number(n) > 0),
        );
        assert.deepEqual(bars, expected);
        assert.equal(Object.values(bars).reduce((a, b) => a + b, 0), expectedBars(known));

        for (const sink of known.sinks) {
          const points = await browser.evaluate<{ lag: number; errors: number; vertices: number }>(
            `(() => {
              const svg = document.querySelector('svg[data-chart="sink"][data-name=${
              JSON.stringify(sink.name)
            }]');
              const d = svg.querySelector('path.line[data-series="lag"]').getAttribute("d");
              return {
                lag: svg.querySelectorAll('circle.point[data-series="lag"]').length,
                errors: svg.querySelectorAll('circle.point[data-series="errors"]').length,
                vertices: d.match(/[ML]/g).length,
              };
            })()`,
          );
          const n = sink.history.length;
          assert.deepEqual(points, { lag: n, errors: n, vertices: n }, sink.name);
        }
        const api = await browser.evaluate<number[]>(
          `["requests", "rate_limited", "errors"].map((s) => document.querySelectorAll(
            'svg[data-chart="api"] circle.point[data-series="' + s + '"]').length)`,
        );
        assert.deepEqual(api, Array(3).fill(known.api.history.length));

        const banner = await browser.evaluate<{ text: string; height: number }>(
          `(() => { const b = document.querySelector(".sim-banner");
            return { text: b.textContent, height: b.getBoundingClientRect().height }; })()`,
        );
        assert.match(banner.text, /SIMULATOR/);
        assert.ok(banner.height > 20);

        // D&B text stays text: the `<script>` in a value is shown, never run.
        const change = await browser.evaluate<string>(
          `document.querySelector('[data-element="organization.comment"]').textContent`,
        );
        assert.match(change, /<script>alert\(1\)<\/script>/);
        assert.equal(await browser.evaluate("document.scripts.length"), 1);
        await browser.screenshot(`${OUTPUT}dashboard.png`);
      });

      await t.step("the page refreshes itself without a reload", async () => {
        await browser.evaluate(`window.__marker = "kept"`);
        assert.equal(await browser.evaluate(healthStatus), "failing");
        provider.data.summary.state = "degraded";
        await browser.waitFor(`${healthStatus} === "degraded"`, { timeoutMs: 10_000 });
        assert.equal(await browser.evaluate("window.__marker"), "kept");
        assert.equal(
          await browser.evaluate(`performance.getEntriesByType("navigation").length`),
          1,
        );
        assert.ok(await browser.evaluate<number>(refreshes) >= 1);
      });

      await t.step(
        "the refresh pauses while the tab is hidden and resumes when shown",
        async () => {
          await browser.evaluate(`(() => {
          Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
          document.dispatchEvent(new Event("visibilitychange"));
        })()`);
          // A fetch already under way may still land; after that nothing may.
          await delay(REFRESH_SECONDS * 1000 + 400);
          const before = await browser.evaluate<number>(refreshes);
          provider.data.summary.state = "healthy";
          await delay(REFRESH_SECONDS * 1000 * 4);
          assert.equal(await browser.evaluate<number>(refreshes), before);
          assert.equal(await browser.evaluate(healthStatus), "degraded");
          assert.match(
            await browser.evaluate<string>(`document.getElementById("refresh-state").textContent`),
            /Paused/,
          );
          await browser.evaluate(`(() => {
          delete document.hidden;
          document.dispatchEvent(new Event("visibilitychange"));
        })()`);
          await browser.waitFor(`${healthStatus} === "healthy"`, { timeoutMs: 10_000 });
          assert.equal(await browser.evaluate("window.__marker"), "kept");
        },
      );

      await t.step(
        "a short error opens to its full text on click, and stays open across refreshes",
        async () => {
          const row =
            `document.querySelector('[data-registration="TRACEONE_DEMO_CUSTOMERS"] details')`;
          assert.equal(await browser.evaluate(`${row}.open`), false);
          const closed = await browser.evaluate<number>(`${row}.getBoundingClientRect().height`);
          await browser.evaluate(`${row}.querySelector("summary").click()`);
          assert.equal(await browser.evaluate(`${row}.open`), true);
          const text = await browser.evaluate<string>(`${row}.querySelector("pre").innerText`);
          assert.equal(text, WALL_OF_ERROR);
          assert.ok(
            await browser.evaluate<number>(`${row}.getBoundingClientRect().height`) > closed,
          );
          const seen = await browser.evaluate<number>(refreshes);
          await browser.waitFor(`${refreshes} > ${seen}`, { timeoutMs: 10_000 });
          assert.equal(await browser.evaluate(`${row}.open`), true);
        },
      );

      await t.step(
        "dead letters: show the raw JSON, discard one, the panel counts one fewer",
        async () => {
          assert.equal(await browser.evaluate(deadLetterTotal), "3");
          const key = "validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
          const row = `document.querySelector('tr[data-dead-letter="${key}"]')`;
          await browser.evaluate(`${row}.querySelector('[data-action="show"]').click()`);
          await browser.waitFor(
            `location.pathname === "/dead-letters/${key}" && document.readyState === "complete"`,
          );
          // The hostile raw JSON is shown as text; nothing in it ran or became markup.
          assert.equal(
            await browser.evaluate<string>(`document.querySelector("pre.raw").textContent`),
            prettyJson(HOSTILE_RAW).text,
          );
          assert.equal(await browser.evaluate("document.scripts.length"), 0);
          await browser.open(server.url);
          await browser.evaluate(`(() => {
          const row = ${row};
          row.querySelector('[data-action="discard"]').click();
          row.querySelector('[data-action="discard-confirm"]').click();
        })()`);
          await browser.waitFor(
            `document.querySelector("[data-action-result]")?.dataset.ok === "true"`,
          );
          assert.deepEqual(provider.actions, [{ action: "discard", key }]);
          await browser.open(server.url);
          // The discard's own navigation may fire the load event open() waited for: wait for the
          // dashboard itself (measured: CI once read the page in between).
          await browser.waitFor(`${deadLetterTotal} === "2"`);
          assert.equal(await browser.evaluate(`${row} === null`), true);
        },
      );

      await t.step(
        "the time range is a plain link: 24 h shows 24 bars' worth of hours",
        async () => {
          await browser.evaluate(`document.querySelector('a[data-range="24"]').click()`);
          await browser.waitFor(
            `location.search === "?hours=24" && document.readyState === "complete"`,
          );
          const hours = await browser.evaluate<string>(
            `document.querySelector('[data-section="hourly"]').dataset.hours`,
          );
          assert.equal(hours, "24");
          assert.deepEqual(provider.queries.at(-1), { hours: 24 });
          const live = await browser.evaluate<string>(
            `document.getElementById("live").dataset.fragmentUrl`,
          );
          assert.equal(live, "/?fragment=1&hours=24");
          await browser.open(server.url);
        },
      );

      await t.step("the search box leads to the company page with the known changes", async () => {
        await browser.evaluate(`(() => {
          document.querySelector("#duns-search").value = "08-146-6849";
          document.querySelector("form.search").requestSubmit();
        })()`);
        await browser.waitFor(
          `location.pathname === "/duns/${KNOWN_DUNS}" && document.readyState === "complete"`,
          { timeoutMs: 10_000 },
        );
        assert.ok(provider.asked.includes(KNOWN_DUNS));
        const page = await browser.evaluate<{ items: number; types: string[]; name: string }>(`({
          items: document.querySelectorAll(".timeline > li").length,
          types: [...document.querySelectorAll(".timeline > li .type")].map((b) => b.textContent),
          name: document.querySelector(".company-name")?.textContent ?? "",
        })`);
        assert.deepEqual(page, {
          items: 3,
          types: ["UPDATE", "UNDER_REVIEW", "SEED"],
          name: "Gorman Mfg <Ltd> & Co",
        });
        const employees = await browser.evaluate<string>(
          `document.querySelector('.timeline [data-element="organization.numberOfEmployees"]').innerText`,
        );
        assert.match(employees, /120\s*→\s*135/);
        const seeded = await browser.evaluate<string>(
          `document.querySelectorAll('.timeline > li')[2].innerText`,
        );
        assert.match(seeded, /\(none\)\s*→\s*Gorman Manufacturing/);
        await browser.screenshot(`${OUTPUT}company.png`);
      });

      await t.step("readable at phone width: nothing wider than the screen", async () => {
        await browser.setViewport(390, 844, { mobile: true, deviceScaleFactor: 2 });
        for (const path of ["", `duns/${KNOWN_DUNS}`]) {
          await browser.open(`${server.url}${path}`);
          const widths = await browser.evaluate<{ scroll: number; inner: number }>(
            `({ scroll: document.documentElement.scrollWidth, inner: innerWidth })`,
          );
          assert.ok(widths.scroll <= widths.inner, `${path || "/"}: ${JSON.stringify(widths)}`);
        }
        await browser.open(server.url);
        await browser.screenshot(`${OUTPUT}dashboard-phone.png`);
      });

      await t.step("no console errors, exceptions or failed loads", () => {
        assert.deepEqual(browser.consoleErrors(), []);
      });
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});

const healthStatus = `document.querySelector('[data-summary="health"] .pill').dataset.status`;
const deadLetterTotal = `document.querySelector('[data-section="dead-letters"]').dataset.total`;
const refreshes = `Number(document.getElementById("live").dataset.refreshes ?? 0)`;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function serve(app: Hono): Promise<{ url: string; shutdown(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({ url: `http://127.0.0.1:${port}/`, shutdown: () => server.shutdown() }),
    }, app.fetch);
  });
}
