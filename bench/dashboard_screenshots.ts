/**
 * Regenerates the README's dashboard screenshots from the known test data (the same fixture the
 * rendering tests count against), in headless Chromium: a healthy instance, and a degraded one
 * with a failing registration, a failing sink, dead letters and a replay gap.
 *
 *   deno run -A bench/dashboard_screenshots.ts [--out docs/]
 *
 * Writes dashboard-healthy.png and dashboard-degraded.png (desktop, 1280 px wide) and
 * dashboard-phone.png (the first screen at 390 px, the degraded state). Needs /usr/bin/chromium; bounded by the
 * helper's timeouts; the browser is stopped by PID however the run ends.
 */
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { dashboardRoutes } from "../src/http/dashboard_routes.tsx";
import { chromiumAvailable, launchChromium } from "../tests/helpers/chromium.ts";
import { FixtureProvider, healthyDashboard } from "../tests/helpers/dashboard_fixture.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string", default: "docs/" } },
});
const out = values.out.endsWith("/") ? values.out : `${values.out}/`;
if (!chromiumAvailable()) {
  console.error("needs /usr/bin/chromium (apt-get install chromium)");
  Deno.exit(1);
}
await Deno.mkdir(out, { recursive: true });

const healthy = new FixtureProvider();
healthy.data = healthyDashboard();
healthy.letters = [];
const degraded = new FixtureProvider();
const servers = [serve(healthy), serve(degraded)];
const [healthyUrl, degradedUrl] = servers.map((s) => `http://127.0.0.1:${s.addr.port}/`);
const browser = await launchChromium();
try {
  await browser.setViewport(1280, 900);
  await browser.open(healthyUrl);
  await browser.screenshot(`${out}dashboard-healthy.png`);
  await browser.open(degradedUrl);
  await browser.screenshot(`${out}dashboard-degraded.png`);
  await browser.setViewport(390, 844, { mobile: true, deviceScaleFactor: 2 });
  await browser.open(degradedUrl);
  // The first screen only: the whole page at phone width is many screens long.
  await browser.screenshot(`${out}dashboard-phone.png`, { fullPage: false });
  const errors = browser.consoleErrors();
  if (errors.length > 0) throw new Error(`the page reported errors:\n${errors.join("\n")}`);
  console.log(`wrote ${out}dashboard-healthy.png, dashboard-degraded.png, dashboard-phone.png`);
} finally {
  await browser.close();
  for (const server of servers) await server.shutdown();
}

function serve(provider: FixtureProvider): Deno.HttpServer<Deno.NetAddr> {
  const app = new Hono();
  // A refresh during the shot swaps in the same markup: the fixture and its clock are fixed.
  app.route("/", dashboardRoutes(provider));
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
}
