import assert from "node:assert/strict";
import { alertId, buildAlerts } from "../../src/alerts/alert.ts";
import { batch, condition, FAILURE_SCORE, rule, scoreChange, typed } from "./rule_fixture.ts";

const drop = rule("failure-score-drop", {
  elements: [FAILURE_SCORE],
  condition: condition({ drops_by: 10 }),
});
const transfer = rule("transfer", { types: ["TRANSFER"] });

Deno.test("digest: one alert per rule per batch with all its matches", () => {
  const notifications = Array.from(
    { length: 10 },
    (_, i) => scoreChange(String(800_000_000 + i), 50, 20),
  );
  const alerts = buildAlerts([drop, transfer], batch([...notifications, typed("TRANSFER", "1")]));
  assert.deepEqual(alerts.map((a) => [a.rule, a.matches.length]), [
    ["failure-score-drop", 10],
    ["transfer", 1],
  ]);
  assert.equal(alerts[0].batchSequence, 1);
  assert.equal(alerts[0].registration, "TRACEONE_DEMO");
});

Deno.test("digest: false gives one alert per notification", () => {
  const perNotification = { ...drop, digest: false };
  const alerts = buildAlerts(
    [perNotification],
    batch([scoreChange("000000001", 50, 20), scoreChange("000000002", 50, 20)]),
  );
  assert.equal(alerts.length, 2);
  assert.notEqual(alerts[0].id, alerts[1].id);
});

Deno.test("the id is fixed by rule, registration, sequence and notification ids", () => {
  const notifications = [scoreChange("000000001", 50, 20), scoreChange("000000002", 50, 20)];
  const [first] = buildAlerts([drop], batch(notifications));
  const [again] = buildAlerts([drop], batch(notifications));
  assert.equal(first.id, again.id, "a re-delivered batch gives the same id");
  assert.match(first.id, /^[0-9a-f]{32}$/);

  const [otherSequence] = buildAlerts([drop], batch(notifications, { sequence: 2 }));
  const [otherRegistration] = buildAlerts([drop], batch(notifications, { registration: "B" }));
  const [otherRule] = buildAlerts([{ ...drop, name: "another" }], batch(notifications));
  const [fewer] = buildAlerts([drop], batch(notifications.slice(0, 1)));
  const ids = new Set([first.id, otherSequence.id, otherRegistration.id, otherRule.id, fewer.id]);
  assert.equal(ids.size, 5);
});

Deno.test("alertId ignores the order and repeats of notification ids", () => {
  const about = { registration: "R", batchSequence: 3 };
  assert.equal(
    alertId("r", { ...about, notificationIds: ["b", "a", "a"] }),
    alertId("r", { ...about, notificationIds: ["a", "b"] }),
  );
});

Deno.test("a rule that matches nothing gives no alert", () => {
  assert.deepEqual(buildAlerts([drop], batch([scoreChange("000000001", 20, 50)])), []);
});
