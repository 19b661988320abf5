/**
 * `notifications current DUNS` and `db rebuild-state`, through main.ts as a user runs them,
 * against a SQLite database the SQL sink filled.
 */
import assert from "node:assert/strict";
import { formatCurrentState } from "../../src/cli/notification_commands.ts";
import { openDatabase } from "../../src/db/database.ts";
import type { CompanyState } from "../../src/model/notification_store.ts";
import { Secret } from "../../src/model/secret.ts";
import { localDataLines, runMain } from "../helpers/cli.ts";
import { IDS, OTHER_DUNS, SEED_DUNS, storeScenario } from "../sinks/company_state_scenario.ts";

/** A name with a right-to-left override, raw in the JSON text, that must not reach a terminal. */
const HOSTILE = `{"type": "UPDATE", "organization": {"duns": "${OTHER_DUNS}"}, "elements": [` +
  `{"element": "organization.primaryName", "current": "Evil\u202Egnp.exe"}],` +
  ` "deliveryTimeStamp": "2024-03-08T08:00:00.000Z"}`;

async function withFilledDatabase(
  run: (cli: (...args: string[]) => ReturnType<typeof runMain>, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_current_cli_" });
  try {
    const config = `${dir}/config.yaml`;
    await Deno.writeTextFile(
      config,
      [
        "environment: test",
        "dnb_api:",
        '  client_id: "current-cli-test"',
        '  client_secret: "current-cli-test-secret"',
        ...localDataLines(dir),
      ].join("\n") + "\n",
    );
    await storeScenario(`${dir}/traceone.db`, HOSTILE);
    await run((...args) => runMain([...args, "--config", config]), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("formatCurrentState: status, then each path compact, cut and terminal-safe", () => {
  const state: CompanyState = {
    duns: "804735132",
    status: "deleted",
    status_changed_at: "2024-03-06T08:00:00.000Z",
    status_notification_id: "c1".padEnd(32, "0"),
    last_notification_id: "c1".padEnd(32, "0"),
    last_delivery_timestamp: "2024-03-06T08:00:00.000Z",
    values: [
      {
        element_path: "organization.financials",
        value_json: `[ {"value": 3.0251016094E8,\n "note": "a  b"}, ${"1, ".repeat(40)}1 ]`,
        changed_at: "2024-03-04T08:15:02.031Z",
        delivery_timestamp: "2024-03-04T08:15:02.031Z",
        notification_id: "a1".padEnd(32, "0"),
      },
      {
        element_path: "organization.gone",
        value_json: null,
        changed_at: "2024-03-04T08:15:02Z",
        delivery_timestamp: "2024-03-04T08:15:02.031Z",
        notification_id: "a1".padEnd(32, "0"),
      },
      {
        element_path: "organization.primaryName",
        value_json: '"\u001b[31mred\u202E"',
        changed_at: "2024-03-04T08:15:02Z",
        delivery_timestamp: "2024-03-04T08:15:02.031Z",
        notification_id: "a1".padEnd(32, "0"),
      },
    ],
  };
  const lines = formatCurrentState(state);
  assert.equal(lines[0], "DUNS 804735132  status: deleted since 2024-03-06T08:00:00.000Z");
  assert.equal(
    lines[1],
    `last notification ${"c1".padEnd(32, "0")} delivered 2024-03-06T08:00:00.000Z`,
  );
  assert.match(
    lines[2],
    /^ {2}organization\.financials = \[\{"value":3\.0251016094E8,"note":"a {2}b"\},1,1,/,
  );
  assert.ok(lines[2].endsWith("..."));
  assert.equal(Array.from(lines[2].split(" = ")[1]).length, 100);
  assert.equal(
    lines[3],
    `      changed 2024-03-04T08:15:02.031Z, notification ${"a1".padEnd(32, "0")}`,
  );
  assert.equal(lines[4], "  organization.gone = (none)");
  assert.equal(lines[6], '  organization.primaryName = "\\u001b[31mred\\u202e"');
});

Deno.test("traceone notifications current: status and values, --json, unknown and invalid DUNS", async () => {
  await withFilledDatabase(async (cli) => {
    const shown = await cli("notifications", "current", SEED_DUNS);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /^DUNS 804735132 {2}status: deleted since 2024-03-06T08:00:00\.000Z$/m,
    );
    assert.match(shown.stdout, /^ {2}organization\.primaryName = "Gorman Mfg"$/m);
    assert.match(
      shown.stdout,
      /^ {2}organization\.dnbAssessment\.failureScore\.nationalPercentile = 42$/m,
    );
    assert.match(
      shown.stdout,
      /^ {2}organization\.numberOfEmployees = \[\{"value":125,"reliabilityDescription":"Actual"\}\]$/m,
    );
    assert.doesNotMatch(shown.stdout, /Old Name/);

    const json = await cli("notifications", "current", SEED_DUNS, "--json");
    assert.equal(json.code, 0, json.stderr);
    const state = JSON.parse(json.stdout) as CompanyState;
    assert.equal(state.status, "deleted");
    assert.equal(state.last_notification_id, IDS.delete);
    const financials = state.values.find((v) => v.element_path === "organization.financials");
    assert.match(financials!.value_json!, /"value":2\.2171E7/);

    const other = await cli("notifications", "current", OTHER_DUNS);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /status: transferred/);
    assert.ok(!other.stdout.includes("\u202E"), "no bidi override reaches the terminal");
    assert.match(other.stdout, /Evil\\u202egnp\.exe/);

    const unknown = await cli("notifications", "current", "000000001");
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stdout, /no state stored for DUNS 000000001 \(8 notifications stored/);
    const unknownJson = await cli("notifications", "current", "000000001", "--json");
    assert.equal(unknownJson.stdout.trim(), "null");

    const invalid = await cli("notifications", "current", "12ab");
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /"12ab" is not a DUNS/);
  });
});

Deno.test("traceone db rebuild-state computes the state of notifications stored before 002", async () => {
  await withFilledDatabase(async (cli, dir) => {
    const before = (await cli("notifications", "current", SEED_DUNS, "--json")).stdout;
    const database = await openDatabase({
      enabled: true,
      url: new Secret(`sqlite:${dir}/traceone.db`),
      pool_size: 1,
      migrate_on_start: true,
    });
    try {
      await database.db.deleteFrom("company_state").execute();
      await database.db.deleteFrom("companies").execute();
    } finally {
      await database.close();
    }
    const empty = await cli("notifications", "current", SEED_DUNS);
    assert.match(empty.stdout, /needs `db rebuild-state`/);

    const rebuilt = await cli("db", "rebuild-state");
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(
      rebuilt.stdout,
      /^rebuilt the state of 2 companies \(\d+ value\(s\)\) from 8 notification\(s\)$/m,
    );
    assert.equal((await cli("notifications", "current", SEED_DUNS, "--json")).stdout, before);
  });
});
