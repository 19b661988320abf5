/**
 * The dashboard and /readyz tell the truth about a real running service (issue #10): one
 * registration fails on every tick, two notifications are dead-lettered and a replay gap is
 * recorded, all against the simulator over real HTTP; headless Chromium then reads the page.
 */
import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { CHROMIUM_INSTALL, chromiumAvailable, launchChromium } from "../helpers/chromium.ts";
import { localDataLines, readLinesUntil, spawnMain } from "../helpers/cli.ts";
import { until } from "../helpers/wait.ts";

const OUTPUT = new URL("../../test-output/", import.meta.url).pathname;
const GOOD = "TRUTH_GOOD";
/** Configured, but unknown to the account: every pull is a 404 `21901`. */
const MISSING = "TRUTH_MISSING";
const available = chromiumAvailable();
const NAME = "a running service with a registration failing every tick, two dead letters and a " +
  "replay gap: /readyz 503 naming it; in Chromium the health card is not healthy and names it, " +
  "the panels count 2 dead letters and the gap, discard leaves 1";

Deno.test({
  name: available ? NAME : `${NAME} (needs: ${CHROMIUM_INSTALL})`,
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await Deno.mkdir(OUTPUT, { recursive: true });
    const credentials = { clientId: "truth-client", clientSecret: "truth-secret" };
    const sim = await startSimulator({
      ...credentials,
      rateLimit: 0,
      registrations: [{ reference: GOOD, duns: ["081466849", "268909075", "804735132"] }],
    });
    const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
    // The first pull hands over 300 at once (a misbehaving gateway), far over
    // max_response_bytes: it is cut off unread, and replay cannot reach all of that one second.
    await admin.enqueue(GOOD, { generate: 330 });
    await admin.setFaults({ overfillNext: { notifications: 300, count: 1 } });

    const dir = await Deno.makeTempDir({ prefix: "traceone-truth-" });
    const config = `${dir}/config.yaml`;
    await Deno.writeTextFile(
      config,
      [
        "environment: test",
        "dnb_api:",
        `  base_url: "${sim.url}"`,
        `  client_id: "${credentials.clientId}"`,
        `  client_secret: "${credentials.clientSecret}"`,
        "  retry_base_delay: 0.01",
        "  retry_max_delay: 0.05",
        "  max_response_bytes: 100000",
        "monitoring:",
        "  polling_interval: 1",
        `  registrations: ["${GOOD}", "${MISSING}"]`,
        ...localDataLines(dir),
        "http:",
        "  port: 0",
        "  readiness_registration_failure: 1",
      ].join("\n") + "\n",
    );
    const child = spawnMain(["run", "--config", config]);
    const stderr = readLinesUntil(child.stderr, () => false, 300_000);
    const browser = await launchChromium();
    try {
      const { lines, finished } = await readLinesUntil(
        child.stdout,
        (seen) => seen.some((l) => l.startsWith("registrations:")),
        60_000,
      );
      const base = /HTTP: (http:\/\/\S+?)\/? /.exec(lines.join("\n"))?.[1];
      assert.ok(base, lines.join("\n"));
      const status = async () => await (await fetch(`${base}/status`)).json();

      await t.step("the service records the gap, then two dead letters", async () => {
        await until(
          async () =>
            (await status()).registrations.items.some((
              r: { reference: string; replay_gap: unknown },
            ) => r.reference === GOOD && r.replay_gap !== null),
          "a replay gap on the good registration",
          { limitMs: 60_000, intervalMs: 200 },
        );
        await admin.enqueue(GOOD, {
          raw: [
            JSON.stringify({ type: "UPDATE", organization: { duns: "12" }, elements: [] }),
            JSON.stringify({ type: "UPDATE", organization: { duns: "34" }, elements: [] }),
          ],
        });
        await until(
          async () => (await status()).dead_letters.validation === 2,
          "two validation dead letters",
          { limitMs: 30_000, intervalMs: 200 },
        );
      });

      await t.step("/readyz answers 503 naming the registration failing past 1 s", async () => {
        let body: { ready: boolean; reasons: string[] } = { ready: true, reasons: [] };
        await until(
          async () => {
            const response = await fetch(`${base}/readyz`);
            body = await response.json();
            return response.status === 503;
          },
          "/readyz 503",
          { limitMs: 30_000, intervalMs: 200 },
        );
        assert.equal(body.ready, false);
        assert.ok(
          body.reasons.some((r) => r.startsWith(`registration "${MISSING}" has failed every tick`)),
          body.reasons.join("\n"),
        );
        assert.ok(
          !body.reasons.some((r) => r.startsWith(`registration "${GOOD}"`)),
          body.reasons.join("\n"),
        );
      });

      await t.step("in Chromium: the health card is failing and names it", async () => {
        await browser.setViewport(1280, 900);
        await browser.open(`${base}/`);
        const card = await browser.evaluate<
          {
            state: string;
            registrations: string;
            deadLetters: string;
            gaps: string;
            named: string[];
            reasons: string;
          }
        >(`(() => {
          const card = document.querySelector('[data-summary="health"]');
          const count = (key) => card.querySelector('[data-count="' + key + '"]').textContent;
          return {
            state: card.querySelector(".pill").dataset.status,
            registrations: count("registrations"),
            deadLetters: count("dead-letters"),
            gaps: count("gaps"),
            named: [...card.querySelectorAll("[data-registration-name]")].map((e) => e.textContent),
            reasons: card.querySelector(".reasons")?.innerText ?? "",
          };
        })()`);
        assert.equal(card.state, "failing");
        assert.equal(card.registrations, "1 of 2 registrations failing");
        assert.equal(card.deadLetters, "2 dead letters");
        assert.equal(card.gaps, "1 replay gap");
        assert.deepEqual(card.named, [MISSING]);
        assert.match(card.reasons, new RegExp(`registration "${MISSING}" has failed every tick`));

        const row = await browser.evaluate<{ failing: string; outcome: string; since: string }>(
          `(() => {
          const row = document.querySelector('tr[data-registration="${MISSING}"]');
          return {
            failing: row.dataset.failing,
            outcome: row.querySelector("[data-outcome]").textContent,
            since: row.querySelector("[data-failing-since]").textContent,
          };
        })()`,
        );
        assert.deepEqual([row.failing, row.outcome], ["true", "failed"]);
        assert.match(row.since, /^failing since .+ · \d+ failed ticks?$/);
      });

      await t.step("the dead-letter panel counts 2 and lists them; the gap is shown", async () => {
        const panel = await browser.evaluate<{ total: string; rows: string[]; sinks: string[] }>(
          `(() => {
          const panel = document.querySelector('[data-section="dead-letters"]');
          return {
            total: panel.dataset.total,
            rows: [...panel.querySelectorAll("tr[data-dead-letter]")].map((r) =>
              r.querySelector('[data-label="Registration"]').textContent),
            sinks: [...panel.querySelectorAll("[data-dead-letter-sink]")].map((s) =>
              s.dataset.deadLetterSink + "=" + s.dataset.count),
          };
        })()`,
        );
        assert.deepEqual(panel, { total: "2", rows: [GOOD, GOOD], sinks: ["validation=2"] });
        const gap = await browser.evaluate<string>(
          `document.querySelector('tr[data-gap="${GOOD}"]')?.innerText ?? ""`,
        );
        assert.match(gap, /than one replay|replay/);
        await browser.screenshot(`${OUTPUT}dashboard-truth.png`);
      });

      await t.step(
        "discard in the browser removes one: the panel and /status count 1",
        async () => {
          await browser.evaluate(`(() => {
          const row = document.querySelector("tr[data-dead-letter]");
          row.querySelector('[data-action="discard"]').click();
          row.querySelector('[data-action="discard-confirm"]').click();
        })()`);
          await browser.waitFor(
            `document.querySelector("[data-action-result]")?.dataset.ok === "true"`,
            { timeoutMs: 15_000 },
          );
          assert.equal((await status()).dead_letters.validation, 1);
          await browser.open(`${base}/`);
          const after = await browser.evaluate<{ total: string; rows: number; card: string }>(`({
          total: document.querySelector('[data-section="dead-letters"]').dataset.total,
          rows: document.querySelectorAll("tr[data-dead-letter]").length,
          card: document.querySelector('[data-count="dead-letters"]').textContent,
        })`);
          assert.deepEqual(after, { total: "1", rows: 1, card: "1 dead letter" });
        },
      );

      await t.step("no console errors, exceptions or failed loads", () => {
        assert.deepEqual(browser.consoleErrors(), []);
      });

      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      await finished;
    } finally {
      await browser.close();
      try {
        child.kill("SIGKILL");
      } catch {
        // exited
      }
      await child.status;
      await (await stderr).finished;
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
