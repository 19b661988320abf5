import assert from "node:assert/strict";
import {
  cronScheduleProblem,
  nextCronRuns,
  parseCronSchedule,
} from "../../src/config/cron_schedule.ts";

// Each row is run through the real Deno.cron too: the check must accept exactly what it accepts.
const TABLE: string[] = [
  // fields, values and ranges
  "* * * * *",
  "59 23 31 12 7",
  "0 0 1 1 1",
  "61 * * * *",
  "60 * * * *",
  "* 24 * * *",
  "* * 0 * *",
  "* * 32 * *",
  "* * * 0 *",
  "* * * 13 *",
  "* * * * 0",
  "* * * * 8",
  "00 * * * *",
  "007 * * * *",
  "-1 * * * *",
  "a * * * *",
  "",
  "* * * *",
  "* * * * * *",
  "* * * * * * *",
  // ranges, steps and lists
  "*/5 * * * *",
  "*/1 * * * *",
  "*/59 * * * *",
  "*/60 * * * *",
  "*/0 * * * *",
  "* */23 * * *",
  "* */24 * * *",
  "* * */30 * *",
  "* * */31 * *",
  "* * * */11 *",
  "* * * */12 *",
  "* * * * */6",
  "* * * * */7",
  "0-30/5 * * * *",
  "1-5/2 * * * *",
  "5/15 * * * *",
  "5-1 * * * *",
  "59-0 23-0 31-1 12-1 *",
  "0 20-4/2 * * *",
  "1-60 * * * *",
  "*-5 * * * *",
  "1-5-7 * * * *",
  "1/2/3 * * * *",
  "*/ * * * *",
  "1- * * * *",
  "1,2,3 * * * *",
  "1,,2 * * * *",
  ",1 * * * *",
  "1,*/5 * * * *",
  "1,* * * * *",
  "* 1,2-5,*/7 * * *",
  "*/15,30-59/10 0 * * *",
  // names
  "0 0 * JAN *",
  "0 0 * jan-mar *",
  "0 0 * DEC-JAN *",
  "0 0 * JANUARY *",
  "0 0 * * MON",
  "0 0 * * mon-fri",
  "0 0 * * SAT-SUN",
  "0 0 * * MON-5",
  "0 0 * * MONDAY",
  "0 0 * * 1-7",
  "0 0 * * 0-6",
  "0 0 * * 7-7",
  "0,30 9-17 * * 1-5",
  // day-of-month and day-of-week forms
  "0 0 L * *",
  "0 0 LW * *",
  "0 0 L-1 * *",
  "0 0 L-30W * *",
  "0 0 L-0 * *",
  "0 0 L-31W * *",
  "0 0 15W * *",
  "0 0 31W * *",
  "0 0 32W * *",
  "0 0 W * *",
  "0 0 1,L * *",
  "0 0 1,15W * *",
  "0 0 * * L",
  "0 0 * * 7L",
  "0 0 * * FRIL",
  "0 0 * * 8L",
  "0 0 * * 5#2",
  "0 0 * * MON#1",
  "0 0 * * MON#0",
  "0 0 * * MON#6",
  "0 0 * * MON,TUE#2",
  "0 0 * * 5L,1",
  "0 0 29 2 *",
  "0 0 31 4 *",
  "0 0 13 * TUE",
  // what other cron dialects know
  "@daily",
  "@hourly",
  "0 0 ? * *",
  "0 0 * * ?",
  "0 0 1 * +MON",
  "+5 * * * *",
  "H * * * *",
  // whitespace
  "*  * * * *",
  "0\t0 * * *",
  " * * * * *",
  "* * * * * ",
  "* * * * *\t",
  "*\n* * * *",
];

interface DenoVerdict {
  expression: string;
  accepted: boolean;
}

/**
 * What Deno.cron itself says of each expression, from a child process so that no test leaves a
 * cron registered in this one.
 */
async function denoCronVerdicts(expressions: string[]): Promise<DenoVerdict[]> {
  const script = `
    const rows = JSON.parse(Deno.args[0]);
    const out = rows.map((expression, index) => {
      const controller = new AbortController();
      try {
        Deno.cron("probe " + index, expression, { signal: controller.signal }, () => {});
        return { expression, accepted: true };
      } catch (error) {
        if (!(error instanceof TypeError) || error.message !== "Invalid cron schedule") throw error;
        return { expression, accepted: false };
      } finally {
        controller.abort();
      }
    });
    console.log(JSON.stringify(out));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--unstable-cron", script, JSON.stringify(expressions)],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("the schedule check accepts exactly what Deno.cron accepts, row by row", async () => {
  const verdicts = await denoCronVerdicts(TABLE);
  assert.equal(verdicts.length, TABLE.length);
  const disagreements = verdicts
    .map(({ expression, accepted }) => ({
      expression,
      deno: accepted,
      ours: cronScheduleProblem(expression),
    }))
    .filter((row) => row.deno !== (row.ours === null));
  assert.deepEqual(disagreements, []);
  // The table covers both sides.
  assert.ok(verdicts.filter((v) => v.accepted).length >= 40);
  assert.ok(verdicts.filter((v) => !v.accepted).length >= 40);
});

Deno.test("a refused schedule says which field is wrong and why", () => {
  const cases: [string, RegExp][] = [
    ["61 * * * *", /minute: 61 is out of range \(0-59\)/],
    ["* 24 * * *", /hour: 24 is out of range \(0-23\)/],
    ["* * * * 0", /day-of-week: 0 is out of range \(1-7 with 1 = Sunday, or SUN-SAT\)/],
    ["*/60 * * * *", /minute step: 60 is out of range \(1-59\)/],
    ["007 * * * *", /minute: "007" has more than two digits/],
    ["* * * * * *", /it has 6 fields, not 5 \(there is no seconds field\)/],
    ["@daily", /there are no @ nicknames; write "0 0 \* \* \*"/],
    ["0 0 ? * *", /there is no "\?"; write "\*"/],
    ["1,,2 * * * *", /minute: the list "1,,2" has an empty item/],
  ];
  for (const [expression, expected] of cases) {
    const problem = cronScheduleProblem(expression);
    assert.ok(problem, expression);
    assert.match(problem, expected);
    assert.ok(problem.startsWith(`${JSON.stringify(expression)} is not a schedule Deno.cron`));
  }
});

const minute = (iso: string) => new Date(`${iso}:00Z`);

// Deno.cron's own expectations (its ext/cron tests): the first run strictly after `from`.
Deno.test("next runs are the ones Deno.cron fires", () => {
  const cases: [string, string, string][] = [
    ["* * * * *", "2024-01-01T00:00", "2024-01-01T00:01"],
    ["*/15 * * * *", "2024-01-01T00:00", "2024-01-01T00:15"],
    ["0 0 29 2 *", "2023-03-01T00:00", "2024-02-29T00:00"],
    ["0 0 29 2 *", "2096-03-01T00:00", "2104-02-29T00:00"],
    ["0 0 * 2 FRI#5", "2020-01-01T00:00", "2036-02-29T00:00"],
    ["0 0 * JAN MON", "2023-12-31T00:00", "2024-01-01T00:00"],
    ["0 0 * * 1", "2024-01-06T00:00", "2024-01-07T00:00"],
    ["0 0 * * 7", "2024-01-05T00:00", "2024-01-06T00:00"],
    ["0 0 13 * TUE", "2024-05-13T00:00", "2024-05-14T00:00"],
    ["59-0 23-0 31-1 12-1 *", "2020-12-30T23:58", "2020-12-30T23:59"],
    ["0 20-4 * * *", "2020-01-01T18:00", "2020-01-01T19:00"],
    ["0 20-4/2 * * *", "2020-01-01T23:00", "2020-01-02T00:00"],
    ["0 0 * * SAT-SUN", "2020-01-02T00:00", "2020-01-03T00:00"],
    ["5/20 * * * *", "2020-01-01T00:06", "2020-01-01T00:25"],
    ["0 0 LW MAY *", "2025-05-01T00:00", "2025-05-30T00:00"],
    ["0 0 1W MAY *", "2021-04-01T00:00", "2021-05-03T00:00"],
    ["0 0 * * 7L", "2020-02-01T00:00", "2020-02-29T00:00"],
    ["0 0 * * L", "2024-01-01T00:00", "2024-01-06T00:00"],
  ];
  for (const [expression, from, expected] of cases) {
    const runs = nextCronRuns(expression, { from: minute(from) });
    assert.deepEqual(
      runs?.map((d) => d.toISOString()),
      [minute(expected).toISOString()],
      expression,
    );
  }
});

Deno.test("a schedule croner cannot follow exactly is valid, without next runs", () => {
  const parsed = parseCronSchedule("0 0 L-3 * *");
  assert.ok(parsed.ok);
  assert.equal(parsed.schedule.exact, false);
  assert.equal(nextCronRuns("0 0 L-3 * *"), null);
  assert.equal(nextCronRuns("61 * * * *"), null);
});

Deno.test("numeric weekdays are flagged, named ones are not", () => {
  const flag = (expression: string) => {
    const parsed = parseCronSchedule(expression);
    assert.ok(parsed.ok, expression);
    return parsed.schedule.numericWeekdays;
  };
  assert.equal(flag("0 9 * * 1-5"), true);
  assert.equal(flag("0 9 * * 5#2"), true);
  assert.equal(flag("0 9 * * MON-FRI"), false);
  assert.equal(flag("0 9 * * MON#2"), false);
  assert.equal(flag("0 9 * * *"), false);
  assert.equal(flag("0 9 * * L"), false);
});

Deno.test("monitoring.schedule is checked with Deno.cron's rules, trimmed as run uses it", async () => {
  const { parseConfig } = await import("../../src/config/load.ts");
  const { ConfigError } = await import("../../src/config/errors.ts");
  const parse = (schedule: string) =>
    parseConfig(
      `simulator:\n  enabled: true\nmonitoring:\n  schedule: ${JSON.stringify(schedule)}\n`,
      {
        source: "test.yaml",
        env: () => undefined,
        cwd: "/srv",
        home: null,
      },
    );
  assert.equal(parse("  */5 * * * *  ").monitoring.schedule, "*/5 * * * *");
  try {
    parse("61 * * * *");
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((issue) => issue.path), ["monitoring.schedule"]);
    assert.match(error.issues[0].message, /minute: 61 is out of range \(0-59\)/);
    assert.match(
      error.issues[0].message,
      /\(5 fields in UTC as Deno\.cron reads them: minute hour/,
    );
  }
});
