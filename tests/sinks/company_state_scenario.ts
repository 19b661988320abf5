/**
 * One scenario of company-state deliveries, run by the SQL sink tests on SQLite and PostgreSQL:
 * the recorded SEED page (`seed_cmpelk_page.json`), then an UPDATE, a DELETE, an older UPDATE
 * arriving late, a replay and a TRANSFER, in three batches. `assertScenarioState` checks the
 * rows it must end in.
 */
import assert from "node:assert/strict";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { Secret } from "../../src/model/secret.ts";
import { createSqlSink } from "../../src/sinks/sql.ts";
import type { Notification } from "../../src/model/payload.ts";
import { rawArrayElements, rawMember, rawMembers } from "../../src/model/raw_json.ts";
import type { Batch, JournaledNotification } from "../../src/sinks/sink.ts";

export const SEED_DUNS = "804735132";
export const OTHER_DUNS = "081466849";

const PAGE = await Deno.readTextFile(
  new URL("../fixtures/dnb/seed_cmpelk_page.json", import.meta.url),
);
const [SEED_RAW, PAGE_UPDATE_RAW] = rawArrayElements(PAGE, "notifications")!;

function entry(id: string, raw: string): JournaledNotification {
  return { id: id.padEnd(32, "0"), raw, notification: JSON.parse(raw) as Notification };
}

const UPDATE_RAW = `{"type": "UPDATE", "organization": {"duns": "${SEED_DUNS}"}, "elements": [` +
  `{"element": "organization.dnbAssessment.failureScore.nationalPercentile", "previous": 80,` +
  ` "current": 42, "timestamp": "2024-03-05T09:00:00Z"},` +
  `{"element": "organization.primaryName", "previous": "Gorman Manufacturing Company, Inc.",` +
  ` "current": "Gorman Mfg"}], "deliveryTimeStamp": "2024-03-05T10:00:00.500Z"}`;
/** 500 ms before UPDATE as an instant, after it as a string. */
const OLDER_RAW = `{"type": "UPDATE", "organization": {"duns": "${SEED_DUNS}"}, "elements": [` +
  `{"element": "organization.primaryName", "previous": "x", "current": "Old Name"},` +
  `{"element": "organization.dnbAssessment.failureScore.nationalPercentile", "previous": 1,` +
  ` "current": 70, "timestamp": "2024-03-05T11:00:00Z"}],` +
  ` "deliveryTimeStamp": "2024-03-05T10:00:00Z"}`;
const DELETE_RAW = `{"type": "DELETE", "organization": {"duns": "${SEED_DUNS}"}, "elements": [],` +
  ` "deliveryTimeStamp": "2024-03-06T08:00:00.000Z"}`;
const OTHER_RAW = `{"type": "UPDATE", "organization": {"duns": "${OTHER_DUNS}"}, "elements": [` +
  `{"element": "organization.financials[0].yearlyRevenue[0].value", "previous": 1,` +
  ` "current": 3.0251016094E8, "timestamp": "2024-03-04T07:00:00Z"}],` +
  ` "deliveryTimeStamp": "2024-03-04T08:15:03.000Z"}`;
const TRANSFER_RAW = `{"type": "TRANSFER", "organization": {"duns": "${OTHER_DUNS}"},` +
  ` "elements": [], "deliveryTimeStamp": "2024-03-07T08:00:00.000Z"}`;

export const IDS = {
  seed: "a1".padEnd(32, "0"),
  pageUpdate: "a2".padEnd(32, "0"),
  update: "b1".padEnd(32, "0"),
  older: "b2".padEnd(32, "0"),
  delete: "c1".padEnd(32, "0"),
  other: "c2".padEnd(32, "0"),
  transfer: "d1".padEnd(32, "0"),
};

function batch(sequence: number, notifications: JournaledNotification[]): Batch {
  return {
    registration: "ACME_CMPELK_SEED_01",
    sequence,
    pulledAt: `2024-03-0${sequence + 3}T08:15:05.000Z`,
    notifications,
  };
}

/** Three batches; the third brings the older UPDATE late and replays the first UPDATE. */
export function scenarioBatches(): Batch[] {
  return [
    batch(1, [entry("a1", SEED_RAW), entry("a2", PAGE_UPDATE_RAW), entry("c2", OTHER_RAW)]),
    batch(2, [entry("b1", UPDATE_RAW), entry("c1", DELETE_RAW)]),
    batch(3, [entry("b2", OLDER_RAW), entry("b1", UPDATE_RAW), entry("d1", TRANSFER_RAW)]),
  ];
}

/** The rows of both tables, sorted, as plain objects. */
export async function stateRows(database: Database) {
  const companies = await database.db.selectFrom("companies").selectAll().orderBy("duns")
    .execute();
  const paths = await database.db.selectFrom("company_state").selectAll().execute();
  paths.sort((a, b) => (a.duns + " " + a.element_path) < (b.duns + " " + b.element_path) ? -1 : 1);
  return {
    companies: companies.map((row) => ({ ...row })),
    paths: paths.map((row) => ({ ...row })),
  };
}

/** What the scenario must leave in `companies` and `company_state`. */
export async function assertScenarioState(database: Database): Promise<void> {
  const { companies, paths } = await stateRows(database);
  assert.deepEqual(companies, [
    {
      duns: OTHER_DUNS,
      status: "transferred",
      status_changed_at: "2024-03-07T08:00:00.000Z",
      status_notification_id: IDS.transfer,
      last_notification_id: IDS.transfer,
      last_delivery_timestamp: "2024-03-07T08:00:00.000Z",
    },
    {
      duns: SEED_DUNS,
      status: "deleted",
      status_changed_at: "2024-03-06T08:00:00.000Z",
      status_notification_id: IDS.delete,
      last_notification_id: IDS.delete,
      last_delivery_timestamp: "2024-03-06T08:00:00.000Z",
    },
  ]);

  const other = paths.filter((row) => row.duns === OTHER_DUNS);
  assert.deepEqual(other, [{
    duns: OTHER_DUNS,
    element_path: "organization.financials[0].yearlyRevenue[0].value",
    value_json: "3.0251016094E8",
    changed_at: "2024-03-04T07:00:00Z",
    delivery_timestamp: "2024-03-04T08:15:03.000Z",
    notification_id: IDS.other,
  }]);

  const seeded = new Map(
    paths.filter((row) => row.duns === SEED_DUNS).map((row) => [row.element_path, row]),
  );
  const organization = rawMembers(rawMember(SEED_RAW, "organization")!)!;
  // Every top-level member of the SEED's organization as sent, every leaf inside its objects,
  // plus the deeper UPDATE paths.
  const leafPaths = (path: string, raw: string): string[] =>
    (rawMembers(raw) ?? []).flatMap((member) => {
      const inner = `${path}.${member.name}`;
      const deeper = leafPaths(inner, member.raw);
      return deeper.length > 0 ? deeper : [inner];
    });
  const expected = new Set([
    ...organization.map((member) => `organization.${member.name}`),
    ...leafPaths("organization", rawMember(SEED_RAW, "organization")!),
    "organization.financials.yearlyRevenue",
    "organization.dnbAssessment.failureScore.nationalPercentile",
  ]);
  assert.deepEqual(new Set(seeded.keys()), expected);
  for (const member of organization) {
    const row = seeded.get(`organization.${member.name}`);
    assert.ok(row, member.name);
    if (member.name === "primaryName" || member.name === "numberOfEmployees") continue;
    assert.equal(row.value_json, member.raw, `${member.name} byte for byte`);
    assert.equal(row.notification_id, IDS.seed);
    assert.equal(row.changed_at, "2024-03-04T08:15:02.031Z");
  }
  assert.match(seeded.get("organization.financials")!.value_json!, /"value":2\.2171E7/);
  // The page's UPDATE, a millisecond after the SEED, wins for what it names.
  assert.deepEqual(seeded.get("organization.numberOfEmployees"), {
    duns: SEED_DUNS,
    element_path: "organization.numberOfEmployees",
    value_json: '[{"value":125,"reliabilityDescription":"Actual"}]',
    changed_at: "2024-03-03T23:59:58Z",
    delivery_timestamp: "2024-03-04T08:15:02.032Z",
    notification_id: IDS.pageUpdate,
  });
  // Its element without a timestamp changed at delivery.
  assert.equal(
    seeded.get("organization.financials.yearlyRevenue")?.changed_at,
    "2024-03-04T08:15:02.032Z",
  );
  // The later UPDATE wins over the SEED; the older one delivered late wins nothing.
  assert.deepEqual(seeded.get("organization.primaryName"), {
    duns: SEED_DUNS,
    element_path: "organization.primaryName",
    value_json: '"Gorman Mfg"',
    changed_at: "2024-03-05T10:00:00.500Z",
    delivery_timestamp: "2024-03-05T10:00:00.500Z",
    notification_id: IDS.update,
  });
  assert.equal(
    seeded.get("organization.dnbAssessment.failureScore.nationalPercentile")?.value_json,
    "42",
  );
}

/**
 * A migrated SQLite file at `path` holding the scenario, plus one more notification (`extra`,
 * its raw JSON) for the test's own purpose, delivered as the SQL sink does.
 */
export async function storeScenario(path: string, extra: string): Promise<void> {
  const database = await openDatabase({
    enabled: true,
    url: new Secret(`sqlite:${path}`),
    pool_size: 1,
    migrate_on_start: true,
  });
  try {
    assert.equal((await migrateToLatest(database)).error, null);
    const batches = scenarioBatches();
    batches.push({
      registration: "EXTRA",
      sequence: 9,
      pulledAt: "2024-03-08T08:00:01.000Z",
      notifications: [{
        id: "e1".padEnd(32, "0"),
        raw: extra,
        notification: JSON.parse(extra) as Notification,
      }],
    });
    await createSqlSink(database).deliverMany!(batches);
  } finally {
    await database.close();
  }
}
