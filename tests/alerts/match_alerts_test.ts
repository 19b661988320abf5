import assert from "node:assert/strict";
import { matchAlerts } from "../../src/alerts/match_alerts.ts";
import type { Notification } from "../../src/model/payload.ts";
import {
  batch,
  condition,
  FAILURE_SCORE,
  rule,
  scoreChange,
  typed,
  update,
} from "./rule_fixture.ts";

const scoreDrop = rule("failure-score-drop", {
  types: ["UPDATE"],
  elements: ["organization.dnbAssessment.failureScore.*"],
  condition: condition({ drops_by: 20 }),
});

function matchesOf(rules: Parameters<typeof matchAlerts>[0], notifications = batch([])) {
  return matchAlerts(rules, notifications).map((entry) => entry.matches);
}

Deno.test("a failure score drop by at least N fires, with a summary", () => {
  const [matches] = matchesOf([scoreDrop], batch([scoreChange("804735132", 45, 20)]));
  assert.equal(matches.length, 1);
  assert.equal(matches[0].duns, "804735132");
  assert.equal(matches[0].type, "UPDATE");
  assert.equal(matches[0].element, FAILURE_SCORE);
  assert.equal(matches[0].previous, 45);
  assert.equal(matches[0].current, 20);
  assert.equal(matches[0].summary, "failure score 45 → 20 (−25)");
  assert.equal(matches[0].deliveryTimestamp, "2026-11-01T10:00:00.123Z");
});

Deno.test("a drop of exactly N fires; a smaller drop and a rise do not", () => {
  const [matches] = matchesOf(
    [scoreDrop],
    batch([
      scoreChange("000000001", 60, 40),
      scoreChange("000000002", 60, 41),
      scoreChange("000000003", 20, 45),
    ]),
  );
  assert.deepEqual(matches.map((m) => m.duns), ["000000001"]);
});

Deno.test("rises_by, below and above read current (and previous)", () => {
  const rises = rule("rise", { elements: [FAILURE_SCORE], condition: condition({ rises_by: 10 }) });
  const below = rule("below", { elements: [FAILURE_SCORE], condition: condition({ below: 30 }) });
  const above = rule("above", { elements: [FAILURE_SCORE], condition: condition({ above: 90 }) });
  const both = rule("both", {
    elements: [FAILURE_SCORE],
    condition: condition({ below: 30, drops_by: 5 }),
  });
  const notifications = batch([
    scoreChange("000000001", 20, 45),
    scoreChange("000000002", 45, 20),
    scoreChange("000000003", 80, 95),
    scoreChange("000000004", 25, 29),
  ]);
  const [r, b, a, bo] = matchesOf([rises, below, above, both], notifications);
  assert.deepEqual(r.map((m) => m.duns), ["000000001", "000000003"]);
  assert.deepEqual(b.map((m) => m.duns), ["000000002", "000000004"]);
  assert.deepEqual(a.map((m) => m.duns), ["000000003"]);
  assert.deepEqual(bo.map((m) => m.duns), ["000000002"]);
  assert.equal(r[0].summary, "failure score 20 → 45 (+25)");
});

Deno.test("numbers in exponent form, as strings, and non-numbers", () => {
  const revenue = "organization.financials.yearlyRevenue.value";
  const drop = rule("revenue-drop", {
    elements: ["organization.financials.**"],
    condition: condition({ drops_by: 1e7 }),
  });
  const notification = update("804735132", [
    { element: revenue, previous: 3.0251016094E8, current: 2.5E8 },
    { element: "organization.financials.yearlyRevenue.currency", previous: "USD", current: "EUR" },
    { element: "organization.financials.employees", previous: "3.0E2", current: "1.5E2" },
    { element: "organization.financials.note", previous: null, current: [] },
  ]);
  // JSON.parse reads D&B's spelling as it stands in the journal.
  const parsed = JSON.parse(
    JSON.stringify(notification).replace("302510160.94", "3.0251016094E8"),
  );
  const [matches] = matchesOf([drop], batch([parsed]));
  assert.deepEqual(matches.map((m) => m.element), [revenue]);
  assert.equal(matches[0].summary, "yearly revenue 302510160.94 → 250000000 (−52510160.94)");

  const small = rule("employees", {
    elements: ["organization.financials.employees"],
    condition: condition({ below: 200 }),
  });
  const [employees] = matchesOf([small], batch([notification]));
  assert.equal(employees.length, 1, "a number written as a string in exponent form is a number");
});

Deno.test("a first value is neither a drop nor a rise, but below can hold", () => {
  const drop = rule("drop", { elements: [FAILURE_SCORE], condition: condition({ drops_by: 1 }) });
  const below = rule("below", { elements: [FAILURE_SCORE], condition: condition({ below: 50 }) });
  const [d, b] = matchesOf([drop, below], batch([scoreChange("804735132", null, 20)]));
  assert.equal(d.length, 0);
  assert.equal(b.length, 1);
  assert.equal(b[0].summary, "failure score set to 20");
});

Deno.test("wildcards: * is one segment, ** any number, the rest literal", () => {
  const star = rule("star", { elements: ["organization.dnbAssessment.*.classScore"] });
  const deep = rule("deep", { elements: ["organization.**.classScore"] });
  const exact = rule("exact", { elements: ["organization.primaryName"] });
  const notification = update("804735132", [
    { element: FAILURE_SCORE, previous: 1, current: 2 },
    { element: "organization.dnbAssessment.delinquencyScore.classScore", previous: 1, current: 2 },
    {
      element: "organization.dnbAssessment.failureScore.history.classScore",
      previous: 1,
      current: 2,
    },
    { element: "organization.primaryName", previous: "A", current: "B" },
    { element: "organization.primaryNameX", previous: "A", current: "B" },
  ]);
  const [s, d, e] = matchesOf([star, deep, exact], batch([notification]));
  assert.deepEqual(s.map((m) => m.element), [
    FAILURE_SCORE,
    "organization.dnbAssessment.delinquencyScore.classScore",
  ]);
  assert.equal(d.length, 3);
  assert.deepEqual(e.map((m) => m.summary), ['primary name "A" → "B"']);
});

Deno.test("a type-only rule matches notifications without elements", () => {
  const transfer = rule("transfer", { types: ["TRANSFER", "DELETE", "UNDER_REVIEW"] });
  const [matches] = matchesOf(
    [transfer],
    batch([
      typed("TRANSFER", "804735132"),
      scoreChange("804735132", 45, 20),
      typed("DELETE", "000000002"),
      typed("UNDER_REVIEW", "000000003"),
    ]),
  );
  assert.deepEqual(matches.map((m) => [m.type, m.element]), [
    ["TRANSFER", null],
    ["DELETE", null],
    ["UNDER_REVIEW", null],
  ]);
  assert.equal(matches[0].summary, "TRANSFER of DUNS 804735132");
});

Deno.test("DUNS and registration filters", () => {
  const onlyOne = rule("one", { types: ["TRANSFER"], duns: ["804735132"] });
  const onlyDemo = rule("demo", { types: ["TRANSFER"], registrations: ["TRACEONE_DEMO"] });
  const notifications = [typed("TRANSFER", "804735132"), typed("TRANSFER", "000000002")];
  const [one, demo] = matchesOf([onlyOne, onlyDemo], batch(notifications));
  assert.deepEqual(one.map((m) => m.duns), ["804735132"]);
  assert.equal(demo.length, 2);
  const [, other] = matchesOf(
    [onlyOne, onlyDemo],
    batch(notifications, { registration: "OTHER_REG" }),
  );
  assert.equal(other.length, 0);
});

Deno.test("one entry per rule, in rule order, empty when nothing matched", () => {
  const entries = matchAlerts([scoreDrop, rule("t", { types: ["TRANSFER"] })], batch([]));
  assert.deepEqual(entries.map((e) => [e.rule.name, e.matches.length]), [
    ["failure-score-drop", 0],
    ["t", 0],
  ]);
});

Deno.test("malformed notifications match nothing and do not throw", () => {
  const broken = {
    type: "UPDATE",
    organization: { duns: "804735132" },
    elements: [null, { element: 5 }, { element: FAILURE_SCORE, previous: "x", current: {} }],
    deliveryTimeStamp: "2026-11-01T10:00:00.000Z",
  } as unknown as Notification;
  const [matches] = matchesOf([scoreDrop], batch([broken]));
  assert.equal(matches.length, 0);
});

const RECORDED = JSON.parse(
  await Deno.readTextFile(
    new URL(
      "../fixtures/dnb/vcr_pull_notifications_MDOJO_CMPTCS_01.json",
      import.meta.url,
    ),
  ),
) as { notifications: Notification[] };

Deno.test("recording: a rule on a leaf inside an array D&B sends whole fires on that leaf", () => {
  const amount = rule("experiences", {
    elements: ["organization.businessTrading[*].summary[*].totalExperiencesAmount"],
    condition: condition({ rises_by: 100_000 }),
  });
  const paydex = rule("paydex", {
    elements: ["organization.businessTrading[0].summary[0].paydexScore"],
  });
  const [amounts, paydexes] = matchesOf([amount, paydex], batch(RECORDED.notifications));
  assert.deepEqual(amounts.map((m) => [m.element, m.previous, m.current]), [[
    "organization.businessTrading[0].summary[0].totalExperiencesAmount",
    302510160.94,
    302872977.82,
  ]]);
  assert.equal(
    amounts[0].summary,
    "summary total experiences amount 302510160.94 → 302872977.82 (+362816.88)",
  );
  // The paydex did not change (79 → 79): nothing fires for it.
  assert.deepEqual(paydexes, []);
});

Deno.test("recording: a rule naming a whole element gets one readable line of what changed", () => {
  const trading = rule("trading", { elements: ["organization.businessTrading"] });
  const [matches] = matchesOf([trading], batch(RECORDED.notifications));
  assert.equal(matches.length, 1);
  assert.equal(matches[0].element, "organization.businessTrading");
  assert.equal(
    matches[0].summary,
    "business trading: [0].summary[0].totalExperiencesAmount 302510160.94 → 302872977.82 " +
      "(+362816.88); [0].summary[0].averageHighCreditAmount 2607846.21 → 2610973.95 " +
      "(+3127.74), and 1 more",
  );
});

Deno.test("a whole-object element is looked into: failureScore.* with a drop fires on the leaf", () => {
  const [matches] = matchesOf(
    [scoreDrop],
    batch([update("804735132", [{
      element: "organization.dnbAssessment.failureScore",
      previous: { nationalPercentile: 80, scoreDate: "2026-10-01" },
      current: { nationalPercentile: 40, scoreDate: "2026-11-01" },
    }])]),
  );
  assert.deepEqual(matches.map((m) => [m.element, m.previous, m.current]), [[
    "organization.dnbAssessment.failureScore.nationalPercentile",
    80,
    40,
  ]]);
});

Deno.test("a SEED (FULL_PRODUCT): below/above are checked on its values; other rules do not fire", () => {
  const seed: Notification = {
    type: "SEED",
    organization: {
      duns: "804735132",
      primaryName: "Gorman",
      dnbAssessment: { failureScore: { nationalPercentile: 10, classScore: 5 } },
    },
    elements: [],
    deliveryTimeStamp: "2026-11-01T10:00:00.123Z",
  };
  const low = rule("low", {
    elements: ["organization.dnbAssessment.failureScore.nationalPercentile"],
    condition: condition({ below: 50 }),
  });
  const name = rule("name", { elements: ["organization.primaryName"] });
  const [lows, names, drops] = matchesOf([low, name, scoreDrop], batch([seed]));
  assert.deepEqual(lows.map((m) => [m.element, m.current, m.summary]), [[
    "organization.dnbAssessment.failureScore.nationalPercentile",
    10,
    "failure score national percentile set to 10",
  ]]);
  assert.deepEqual(names, []);
  assert.deepEqual(drops, []);
});

Deno.test("an element whose value did not change still meets a condition; a rule without paths never looks into a SEED", () => {
  const low = rule("low", { elements: [FAILURE_SCORE], condition: condition({ below: 50 }) });
  const [same] = matchesOf([low], batch([scoreChange("804735132", 40, 40)]));
  assert.deepEqual(same.map((m) => [m.current, m.summary]), [[40, "failure score 40 → 40 (+0)"]]);
  const anyBig = rule("any-big", { condition: condition({ above: 1000 }) });
  const seed: Notification = {
    type: "SEED",
    organization: { duns: "804735132", primaryAddress: { postalCode: "10001" } },
    elements: [],
    deliveryTimeStamp: "2026-11-01T10:00:00.123Z",
  };
  assert.deepEqual(matchesOf([anyBig], batch([seed])), [[]]);
});
