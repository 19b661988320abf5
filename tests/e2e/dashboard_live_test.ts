import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { CHROMIUM_INSTALL, chromiumAvailable, launchChromium } from "../helpers/chromium.ts";
import { localDataLines, readLinesUntil, spawnMain } from "../helpers/cli.ts";
import { until } from "../helpers/wait.ts";

const OUTPUT = new URL("../../test-output/", import.meta.url).pathname;
const available = chromiumAvailable();
const NAME = "the dashboard of a running instance fed by the simulator, in headless Chromium: " +
  "bars match the stored data, the company page shows a company's changes, no console errors";

Deno.test({
  name: available ? NAME : `${NAME} (needs: ${CHROMIUM_INSTALL})`,
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await Deno.mkdir(OUTPUT, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "traceone-dash-" });
    const config = `${dir}/config.yaml`;
    await Deno.writeTextFile(
      config,
      [
        "environment: development",
        "monitoring:",
        "  polling_interval: 1",
        ...localDataLines(dir),
        "http:",
        "  port: 0",
        "simulator:",
        "  enabled: true",
        "  port: 0",
        "  initial_backlog: 40",
        // No trickle: the data must not change between counting it and loading the page.
        "  notifications_per_minute: 0",
        "  registrations:",
        "    - reference: DASH_SUPPLIERS",
        '      duns: ["081466849", "268909075", "804735132"]',
        "    - reference: DASH_CUSTOMERS",
        '      duns: ["060704780", "001368083"]',
      ].join("\n") + "\n",
    );
    const child = spawnMain(["run", "--config", config]);
    const stderr = readLinesUntil(child.stderr, () => false, 300_000);
    const browser = available ? await launchChromium() : null;
    try {
      const { lines, finished } = await readLinesUntil(
        child.stdout,
        (seen) => seen.some((l) => l.startsWith("registrations:")),
      );
      const base = /HTTP: (http:\/\/\S+?)\/? /.exec(lines.join("\n"))?.[1];
      assert.ok(base, lines.join("\n"));
      const db = () => new DatabaseSync(`${dir}/traceone.db`, { readOnly: true });
      await until(
        () => {
          const conn = db();
          try {
            return (conn.prepare("SELECT count(*) AS n FROM notifications").get() as { n: number })
              .n === 80;
          } finally {
            conn.close();
          }
        },
        "the backlog stored in SQLite",
        { limitMs: 60_000, intervalMs: 200 },
      );

      // What the chart must show: one bar per (hour, type) with notifications in the last 48 h.
      const conn = db();
      const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const since = new Date(hourStart - 47 * 3_600_000).toISOString();
      const nextHour = new Date(hourStart + 3_600_000).toISOString();
      const expectedBars = conn.prepare(
        "SELECT count(*) AS n FROM (SELECT substr(delivery_timestamp, 1, 13) AS hour, type " +
          "FROM notifications WHERE delivery_timestamp >= ? AND delivery_timestamp < ? " +
          "GROUP BY hour, type)",
      ).get(since, nextHour) as { n: number };
      const change = conn.prepare(
        "SELECT n.duns, e.element FROM notifications n JOIN notification_elements e " +
          "ON e.notification_id = n.id WHERE n.type = 'UPDATE' ORDER BY n.delivery_timestamp DESC LIMIT 1",
      ).get() as { duns: string; element: string };
      const changesOfDuns = conn.prepare(
        "SELECT count(*) AS n FROM notifications WHERE duns = ?",
      ).get(change.duns) as { n: number };
      conn.close();

      await browser!.setViewport(1280, 900);
      await browser!.open(`${base}/`);
      const bars = await browser!.evaluate<number>(
        `document.querySelectorAll('svg[data-chart="hourly"] rect.bar').length`,
      );
      assert.equal(bars, expectedBars.n, "one bar per hour and type with notifications");
      const banner = await browser!.evaluate<string>("document.body.innerText");
      assert.match(banner, /SIMULATOR/);
      assert.match(banner, /DASH_SUPPLIERS/);
      await browser!.screenshot(`${OUTPUT}dashboard-live.png`);

      await browser!.open(`${base}/duns/${change.duns}`);
      const company = await browser!.evaluate<string>("document.body.innerText");
      assert.ok(company.includes(change.element), `the company page shows ${change.element}`);
      assert.ok(company.includes("→"), "previous → current");
      const items = await browser!.evaluate<number>(
        `document.querySelectorAll('li[data-notification]').length`,
      );
      assert.equal(items, changesOfDuns.n, "every stored notification of the DUNS");
      await browser!.screenshot(`${OUTPUT}company-live.png`);

      assert.deepEqual(browser!.consoleErrors(), []);
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      await finished;
    } finally {
      await browser?.close();
      try {
        child.kill("SIGKILL");
      } catch {
        // exited
      }
      await child.status;
      await (await stderr).finished;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
