import assert from "node:assert/strict";
import type { Notification } from "../../src/model/payload.ts";
import {
  applyToCompany,
  type CompanySnapshot,
  encloses,
  instantKey,
  type StateInput,
  stateInputOf,
} from "../../src/sinks/company_state.ts";

const DUNS = "804735132";

function input(id: string, raw: string): StateInput {
  return stateInputOf({
    id: id.repeat(32).slice(0, 32),
    raw,
    notification: JSON.parse(raw) as Notification,
  });
}

const EMPTY: CompanySnapshot = { company: null, paths: new Map() };

/** A notification of `type` with no elements, delivered at `stamp`. */
function bare(type: string, stamp: string, id: string): StateInput {
  return input(
    id,
    `{"type":"${type}","organization":{"duns":"${DUNS}"},"elements":[],` +
      `"deliveryTimeStamp":"${stamp}"}`,
  );
}

function apply(snapshot: CompanySnapshot, ...inputs: StateInput[]) {
  return applyToCompany(DUNS, snapshot, inputs);
}

/** Path → value JSON, for short assertions. */
function values(snapshot: CompanySnapshot): Record<string, string | null> {
  return Object.fromEntries(
    [...snapshot.paths.values()].map((row) => [row.element_path, row.value_json]),
  );
}

const SEED = `{"type":"SEED","organization":{"duns":"${DUNS}","primaryName":"Gorman",` +
  `"dnbAssessment": {"failureScore": {"nationalPercentile": 80}},` +
  `"financials":[{"yearlyRevenue":[{"value":3.0251016094E8}]}]},` +
  `"elements":[],"deliveryTimeStamp":"2024-05-01T10:00:00.000Z"}`;
const UPDATE = `{"type":"UPDATE","organization":{"duns":"${DUNS}"},"elements":[` +
  `{"element":"organization.dnbAssessment.failureScore.nationalPercentile","previous":80,` +
  `"current":42,"timestamp":"2024-05-02T09:00:00Z"},` +
  `{"element":"organization.primaryName","previous":"Gorman","current":"Gorman Mfg"}],` +
  `"deliveryTimeStamp":"2024-05-02T10:00:00.500Z"}`;
const DELETE = `{"type":"DELETE","organization":{"duns":"${DUNS}"},"elements":[],` +
  `"deliveryTimeStamp":"2024-05-03T08:00:00.000Z"}`;
/**
 * Delivered 500 ms before UPDATE, but written with second precision: as strings it sorts after
 * `2024-05-02T10:00:00.500Z`, as an instant before it.
 */
const OLDER_UPDATE = `{"type":"UPDATE","organization":{"duns":"${DUNS}"},"elements":[` +
  `{"element":"organization.dnbAssessment.failureScore.nationalPercentile","previous":90,` +
  `"current":70,"timestamp":"2024-05-02T11:00:00Z"},` +
  `{"element":"organization.primaryName","previous":"x","current":"Old Name"}],` +
  `"deliveryTimeStamp":"2024-05-02T10:00:00Z"}`;
const TRANSFER = `{"type":"TRANSFER","organization":{"duns":"${DUNS}"},"elements":[],` +
  `"deliveryTimeStamp":"2024-05-04T08:00:00.000Z"}`;

Deno.test("stateInputOf: a SEED's top-level members and the elements, values as D&B wrote them", () => {
  const seed = input("a", SEED);
  assert.deepEqual(seed.writes.map((w) => [w.path, w.valueJson, w.changedAt]), [
    ["organization.duns", `"${DUNS}"`, "2024-05-01T10:00:00.000Z"],
    ["organization.primaryName", '"Gorman"', "2024-05-01T10:00:00.000Z"],
    [
      "organization.dnbAssessment",
      '{"failureScore": {"nationalPercentile": 80}}',
      "2024-05-01T10:00:00.000Z",
    ],
    [
      "organization.financials",
      '[{"yearlyRevenue":[{"value":3.0251016094E8}]}]',
      "2024-05-01T10:00:00.000Z",
    ],
  ]);
  const update = input("b", UPDATE);
  assert.deepEqual(update.writes.map((w) => [w.path, w.valueJson, w.changedAt]), [
    ["organization.dnbAssessment.failureScore.nationalPercentile", "42", "2024-05-02T09:00:00Z"],
    // No timestamp: the delivery time stands in.
    ["organization.primaryName", '"Gorman Mfg"', "2024-05-02T10:00:00.500Z"],
  ]);
  const noCurrent = input(
    "c",
    `{"type":"UPDATE","organization":{"duns":"1"},"elements":[{"element":"organization.x",` +
      `"previous":1}],"deliveryTimeStamp":"2024-05-02T10:00:00Z"}`,
  );
  assert.equal(noCurrent.writes[0].valueJson, null);
});

Deno.test("UPDATE, SEED, DELETE, an older UPDATE arriving late, a replay, TRANSFER", () => {
  const seed = input("a", SEED);
  const update = input("b", UPDATE);
  const del = input("c", DELETE);
  const older = input("d", OLDER_UPDATE);
  const transfer = input("e", TRANSFER);

  // An UPDATE first, then the SEED that was delivered before it.
  let step = apply(EMPTY, update);
  assert.deepEqual(values(step.snapshot), {
    "organization.dnbAssessment.failureScore.nationalPercentile": "42",
    "organization.primaryName": '"Gorman Mfg"',
  });
  assert.equal(step.snapshot.company?.status, "active");
  assert.equal(step.snapshot.company?.status_changed_at, null);

  step = apply(step.snapshot, seed);
  // The older SEED fills what it carries, as sent and as leaves, but not the newer name nor
  // the newer percentile; the array stays whole, its number as D&B wrote it.
  assert.deepEqual(values(step.snapshot), {
    "organization.dnbAssessment.failureScore.nationalPercentile": "42",
    "organization.primaryName": '"Gorman Mfg"',
    "organization.duns": `"${DUNS}"`,
    "organization.dnbAssessment": '{"failureScore": {"nationalPercentile": 80}}',
    "organization.financials": '[{"yearlyRevenue":[{"value":3.0251016094E8}]}]',
  });
  assert.equal(step.snapshot.company?.last_notification_id, update.id);

  step = apply(step.snapshot, del);
  assert.equal(step.snapshot.company?.status, "deleted");
  assert.equal(step.snapshot.company?.status_changed_at, "2024-05-03T08:00:00.000Z");
  assert.equal(step.snapshot.company?.status_notification_id, del.id);
  assert.deepEqual(step.changes.upserts, []);
  assert.deepEqual(step.changes.deletes, []);

  const beforeOlder = step.snapshot;
  step = apply(step.snapshot, older);
  // Delivered earlier (as an instant) than UPDATE: it changes nothing, not even last_*.
  assert.deepEqual(step.changes, { duns: DUNS, upserts: [], deletes: [], company: null });
  assert.deepEqual(step.snapshot, beforeOlder);

  step = apply(step.snapshot, update, seed);
  assert.deepEqual(step.changes, { duns: DUNS, upserts: [], deletes: [], company: null });

  step = apply(step.snapshot, transfer);
  assert.equal(step.snapshot.company?.status, "transferred");
  assert.equal(step.snapshot.company?.last_notification_id, transfer.id);
  assert.equal(step.snapshot.company?.last_delivery_timestamp, "2024-05-04T08:00:00.000Z");
  assert.equal(
    step.snapshot.paths.get("organization.primaryName")?.notification_id,
    update.id,
  );
});

Deno.test("the result depends on the notifications, not on the order they arrive in", () => {
  const all = [SEED, UPDATE, DELETE, OLDER_UPDATE, TRANSFER].map((raw, i) =>
    input("abcde"[i], raw)
  );
  const once = apply(EMPTY, ...all).snapshot;
  const orders = [
    [4, 3, 2, 1, 0],
    [3, 0, 4, 1, 2],
    [1, 3, 0, 2, 4],
  ];
  for (const order of orders) {
    let snapshot = EMPTY;
    for (const index of order) snapshot = apply(snapshot, all[index]).snapshot;
    assert.deepEqual(snapshot, once, `order ${order}`);
  }
  // A batch applied twice equals once.
  const twice = apply(once, ...all);
  assert.deepEqual(twice.snapshot, once);
  assert.deepEqual(twice.changes, { duns: DUNS, upserts: [], deletes: [], company: null });
});

Deno.test("a newer SEED supersedes older deeper paths; an older deeper UPDATE cannot come back", () => {
  const update = input("b", UPDATE);
  const reseed = input(
    "f",
    SEED.replace("2024-05-01T10:00:00.000Z", "2024-06-01T10:00:00.000Z")
      .replace('"primaryName":"Gorman",', ""),
  );
  const first = apply(EMPTY, update);
  const second = apply(first.snapshot, reseed);
  // The leaf is the same row, now the SEED's value: a query on the leaf path finds it.
  assert.deepEqual(second.changes.deletes, []);
  assert.equal(
    values(second.snapshot)["organization.dnbAssessment"],
    '{"failureScore": {"nationalPercentile": 80}}',
  );
  const leaf = second.snapshot.paths.get(
    "organization.dnbAssessment.failureScore.nationalPercentile",
  );
  assert.equal(leaf?.value_json, "80");
  assert.equal(leaf?.notification_id, reseed.id);
  // The SEED lacks primaryName: the UPDATE's value stays.
  assert.equal(values(second.snapshot)["organization.primaryName"], '"Gorman Mfg"');
  const late = apply(second.snapshot, update);
  assert.deepEqual(late.changes.upserts, []);
  assert.deepEqual(late.changes.deletes, []);
});

Deno.test("UNDELETE and REVIEWED make a company active again; an older status loses", () => {
  const status = bare;
  let snapshot = apply(EMPTY, status("UNDER_REVIEW", "2024-05-01T00:00:00.000Z", "1")).snapshot;
  assert.equal(snapshot.company?.status, "under_review");
  snapshot = apply(snapshot, status("REVIEWED", "2024-05-02T00:00:00.000Z", "2")).snapshot;
  assert.equal(snapshot.company?.status, "active");
  snapshot = apply(snapshot, status("DELETE", "2024-05-03T00:00:00Z", "3")).snapshot;
  snapshot = apply(snapshot, status("UNDELETE", "2024-05-04T00:00:00.000Z", "4")).snapshot;
  assert.equal(snapshot.company?.status, "active");
  snapshot = apply(snapshot, status("EXIT", "2024-05-01T12:00:00.000Z", "5")).snapshot;
  assert.equal(snapshot.company?.status, "active", "an older EXIT arriving late loses");
  snapshot = apply(snapshot, status("REMOVED", "2024-05-05T00:00:00.000Z", "6")).snapshot;
  assert.equal(snapshot.company?.status, "removed");
  // Equal delivery times: the notification id decides, the same whatever arrives first.
  const a = status("DELETE", "2024-06-01T00:00:00.000Z", "7");
  const b = status("EXIT", "2024-06-01T00:00:00Z", "8");
  assert.equal(apply(snapshot, a, b).snapshot.company?.status, "exited");
  assert.equal(apply(apply(snapshot, b).snapshot, a).snapshot.company?.status, "exited");
});

Deno.test("instantKey compares stamps as instants; encloses knows paths", () => {
  assert.equal(instantKey("2024-05-01T10:00:00Z"), instantKey("2024-05-01T10:00:00.000Z"));
  assert.ok(instantKey("2024-05-01T10:00:00Z") < instantKey("2024-05-01T10:00:00.001Z"));
  assert.equal(instantKey("2024-05-01T10:00:00"), "2024-05-01T10:00:00.000Z");
  assert.equal(instantKey("2024-05-01T12:00:00+02:00"), "2024-05-01T10:00:00.000Z");
  assert.equal(instantKey("not a time"), "");
  assert.ok(encloses("organization.a", "organization.a.b"));
  assert.ok(encloses("organization.a", "organization.a[0].b"));
  assert.ok(!encloses("organization.a", "organization.ab"));
  assert.ok(!encloses("organization.a", "organization.a"));
});

Deno.test("an object value replaces the older leaves under its path, members it lacks too", () => {
  const update = (id: string, stamp: string, element: string, current: string) =>
    input(
      id,
      `{"type":"UPDATE","organization":{"duns":"${DUNS}"},"elements":[{"element":"${element}",` +
        `"current":${current}}],"deliveryTimeStamp":"${stamp}"}`,
    );
  const leaves = update(
    "1",
    "2024-05-01T00:00:00.000Z",
    "organization.dnbAssessment.failureScore",
    '{"nationalPercentile":80,"classScore":2,"scoreDate":"2024-04-30"}',
  );
  let snapshot = apply(EMPTY, leaves).snapshot;
  assert.deepEqual(values(snapshot), {
    "organization.dnbAssessment.failureScore":
      '{"nationalPercentile":80,"classScore":2,"scoreDate":"2024-04-30"}',
    "organization.dnbAssessment.failureScore.nationalPercentile": "80",
    "organization.dnbAssessment.failureScore.classScore": "2",
    "organization.dnbAssessment.failureScore.scoreDate": '"2024-04-30"',
  });
  // A newer whole object without classScore: that leaf goes, the others take the new values.
  const newer = update(
    "2",
    "2024-05-02T00:00:00.000Z",
    "organization.dnbAssessment.failureScore",
    '{"nationalPercentile":40,"scoreDate":"2024-05-01","history":{}}',
  );
  const step = apply(snapshot, newer);
  snapshot = step.snapshot;
  assert.deepEqual(values(snapshot), {
    "organization.dnbAssessment.failureScore":
      '{"nationalPercentile":40,"scoreDate":"2024-05-01","history":{}}',
    "organization.dnbAssessment.failureScore.nationalPercentile": "40",
    "organization.dnbAssessment.failureScore.scoreDate": '"2024-05-01"',
    "organization.dnbAssessment.failureScore.history": "{}",
  });
  assert.deepEqual(step.changes.deletes, ["organization.dnbAssessment.failureScore.classScore"]);
  // The older object delivered late changes nothing; applied in the other order, the same.
  assert.deepEqual(apply(snapshot, leaves).changes.upserts, []);
  assert.deepEqual(apply(apply(EMPTY, newer).snapshot, leaves).snapshot, snapshot);
});

Deno.test("a company removed from monitoring and seeded again is active; the order does not matter", () => {
  const at = bare;
  const removed = at("REMOVED", "2024-05-02T00:00:00.000Z", "1");
  const seed = at("SEED", "2024-05-03T00:00:00.000Z", "2");
  const before = at("UPDATE", "2024-05-01T00:00:00.000Z", "3");
  for (const order of [[before, removed, seed], [seed, removed, before], [removed, before, seed]]) {
    let snapshot = EMPTY;
    for (const one of order) snapshot = apply(snapshot, one).snapshot;
    assert.equal(snapshot.company?.status, "active");
    assert.equal(snapshot.company?.status_notification_id, removed.id);
  }
  // A DELETE delivered between the REMOVED and the SEED wins, whenever it arrives.
  const deleted = at("DELETE", "2024-05-02T12:00:00.000Z", "6");
  for (
    const order of [[removed, seed, deleted], [deleted, seed, removed], [seed, deleted, removed]]
  ) {
    let snapshot = EMPTY;
    for (const one of order) snapshot = apply(snapshot, one).snapshot;
    assert.equal(snapshot.company?.status, "deleted", order.map((o) => o.type).join(","));
  }
  // Without a later notification it stays removed, whatever came before.
  const stays = apply(apply(EMPTY, removed).snapshot, before).snapshot;
  assert.equal(stays.company?.status, "removed");
  const exited = apply(stays, at("EXIT", "2024-05-04T00:00:00.000Z", "4")).snapshot;
  assert.equal(exited.company?.status, "exited");
  const updated = apply(exited, at("UPDATE", "2024-05-05T00:00:00.000Z", "5")).snapshot;
  assert.equal(updated.company?.status, "active");
});
