import assert from "node:assert/strict";
import { buildAlerts } from "../../src/alerts/alert.ts";
import { alertEmail } from "../../src/alerts/email_message.ts";
import { elementLabel } from "../../src/alerts/summary.ts";
import { webhookBody } from "../../src/alerts/webhook_body.ts";
import { batch, condition, FAILURE_SCORE, rule, scoreChange } from "./rule_fixture.ts";

const drop = rule("failure-score-drop", {
  elements: [FAILURE_SCORE],
  condition: condition({ drops_by: 10 }),
});
const [alert] = buildAlerts(
  [drop],
  batch([scoreChange("804735132", 45, 20), scoreChange("000000002", 60, 10)]),
);
const sentAt = "2026-11-01T10:00:05.000Z";

Deno.test("json body: the documented fields", () => {
  const body = JSON.parse(webhookBody(alert, { format: "json", sentAt }));
  assert.deepEqual(Object.keys(body), [
    "id",
    "rule",
    "registration",
    "batch_sequence",
    "matches",
    "sent_at",
  ]);
  assert.equal(body.id, alert.id);
  assert.equal(body.batch_sequence, 1);
  assert.equal(body.sent_at, sentAt);
  assert.deepEqual(Object.keys(body.matches[0]), [
    "duns",
    "type",
    "element",
    "previous",
    "current",
    "summary",
    "notification_id",
    "delivery_timestamp",
  ]);
  assert.equal(body.matches[0].summary, "failure score 45 → 20 (−25)");
});

Deno.test("slack body: text and blocks, escaped, with the alert id", () => {
  const body = JSON.parse(webhookBody(alert, { format: "slack", sentAt }));
  assert.equal(typeof body.text, "string");
  assert.match(body.text, /failure-score-drop: 2 matches in TRACEONE_DEMO/);
  assert.ok(Array.isArray(body.blocks));
  assert.match(JSON.stringify(body.blocks), new RegExp(alert.id));
  assert.match(body.blocks[1].text.text, /• DUNS 804735132: failure score 45 → 20 \(−25\)/);
});

Deno.test("teams body: a message with an Adaptive Card", () => {
  const body = JSON.parse(webhookBody(alert, { format: "teams", sentAt }));
  assert.equal(body.type, "message");
  const card = body.attachments[0];
  assert.equal(card.contentType, "application/vnd.microsoft.card.adaptive");
  assert.equal(card.content.type, "AdaptiveCard");
  assert.match(JSON.stringify(card.content.body), new RegExp(alert.id));
});

Deno.test("chat bodies cap the list of matches", () => {
  const many = Array.from({ length: 30 }, (_, i) => scoreChange(String(800_000_000 + i), 60, 10));
  const [big] = buildAlerts([drop], batch(many));
  const slack = JSON.parse(webhookBody(big, { format: "slack", sentAt }));
  assert.match(slack.blocks[1].text.text, /… and 10 more/);
});

Deno.test("e-mail: rule and id in the subject, every match in text and HTML", () => {
  const mail = alertEmail(alert, { sentAt });
  assert.equal(
    mail.subject,
    `[TraceOne] failure-score-drop: 2 matches in TRACEONE_DEMO [alert ${alert.id}]`,
  );
  assert.match(mail.text, /- DUNS 804735132: failure score 45 → 20 \(−25\)/);
  assert.match(mail.text, /- DUNS 000000002: failure score 60 → 10 \(−50\)/);
  assert.match(mail.html, /<li>DUNS 804735132: failure score 45 → 20 \(−25\)<\/li>/);
});

Deno.test("e-mail: a registration name cannot break the subject or the HTML", () => {
  const [odd] = buildAlerts(
    [drop],
    batch([scoreChange("804735132", 45, 20)], { registration: "A\r\nBcc: x@y<b>" }),
  );
  const mail = alertEmail(odd, { sentAt });
  assert.doesNotMatch(mail.subject, /[\r\n]/);
  assert.doesNotMatch(mail.html, /<b>/);
});

Deno.test("element labels", () => {
  assert.equal(elementLabel(FAILURE_SCORE), "failure score");
  assert.equal(elementLabel("organization.primaryName"), "primary name");
  assert.equal(
    elementLabel("organization.dnbAssessment.failureScore.nationalPercentile"),
    "failure score national percentile",
  );
  assert.equal(elementLabel("organization.numberOfEmployees[0].value"), "number of employees");
});
