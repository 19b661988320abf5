import assert from "node:assert/strict";
import { cronForInterval, cronJobName, startSchedule } from "../../src/pipeline/schedule.ts";

Deno.test("intervals cron can express become cron; others use a timer", () => {
  assert.equal(cronForInterval(60), "* * * * *");
  assert.equal(cronForInterval(300), "*/5 * * * *");
  assert.equal(cronForInterval(900), "*/15 * * * *");
  assert.equal(cronForInterval(3600), "0 * * * *");
  assert.equal(cronForInterval(7200), "0 */2 * * *");
  assert.equal(cronForInterval(86400), "0 0 * * *");
  assert.equal(cronForInterval(90), null, "not whole minutes");
  assert.equal(cronForInterval(420), null, "7 minutes do not divide an hour");
  assert.equal(cronForInterval(5 * 3600), null, "5 hours do not divide a day");
});

Deno.test("the first run happens at once, runs repeat, and never overlap", async () => {
  const controller = new AbortController();
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const handle = startSchedule({
    name: "test",
    intervalSeconds: 0.02,
    cron: null,
    signal: controller.signal,
    useDenoCron: false,
    run: async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((resolve) => setTimeout(resolve, 70));
      concurrent--;
    },
  });
  assert.equal(runs, 1, "started at once, not after the first interval");
  await new Promise((resolve) => setTimeout(resolve, 250));
  controller.abort();
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(maxConcurrent, 1);
  assert.ok(runs >= 2, `runs repeat (${runs})`);
  assert.ok(handle.skipped() > 0, "overlapping runs were skipped");
  assert.equal(handle.description, "every 0.02 s");
});

Deno.test("cron job names: look-alike references get valid, distinct names Deno.cron accepts", () => {
  const references = ["SUPPLIERS/EU", "SUPPLIERS_EU", "SUPPLIERS EU", "a.b", "x".repeat(200), "é"];
  const names = references.map(cronJobName);
  assert.equal(new Set(names).size, references.length, "distinct");
  const controller = new AbortController();
  try {
    for (const name of names) {
      assert.match(name, /^[A-Za-z0-9_-]{1,64}$/);
      // Deno.cron itself is the judge: it throws on a name it does not take.
      Deno.cron(name, "0 0 1 1 *", { signal: controller.signal }, () => {});
    }
  } finally {
    controller.abort();
  }
});
