import assert from "node:assert/strict";
import { parse } from "yaml";
import { resolveAlerts } from "../../src/config/alerts_config.ts";
import { alertsIssues, AlertsSchema } from "../../src/config/alerts_schema.ts";
import { Secret } from "../../src/model/secret.ts";

const EXAMPLE = `
- name: failure-score-drop
  match:
    types: [UPDATE]
    elements: [organization.dnbAssessment.failureScore.*]
    condition: { drops_by: 20 }
    duns: ["804735132"]
    registrations: [TRACEONE_DEMO]
  destinations:
    webhook:
      url: https://hooks.example.com/traceone
      secret: whsec-0123456789abcdef
    email:
      to: [risk@example.com]
      from: traceone@example.com
      smtp: { host: smtp.example.com, username: traceone, password: smtp-secret-value }
- name: ownership
  match: { types: [TRANSFER, DELETE, UNDER_REVIEW] }
  digest: false
  destinations:
    webhook: { url: "http://127.0.0.1:9000/hook", format: slack, timeout: 5, max_retries: 0 }
`;

function issuesOf(yaml: string) {
  return alertsIssues(parse(yaml)).map((issue) => `${issue.path}: ${issue.message}`);
}

Deno.test("the README example is valid and resolves with defaults", () => {
  const tree = parse(EXAMPLE);
  assert.deepEqual(alertsIssues(tree), []);
  const config = resolveAlerts(AlertsSchema.parse(tree));
  const [drop, ownership] = config.rules;
  assert.equal(drop.digest, true);
  assert.deepEqual(drop.match.condition, {
    below: null,
    above: null,
    drops_by: 20,
    rises_by: null,
  });
  const webhook = drop.destinations.webhook!;
  assert.equal(webhook.format, "json");
  assert.equal(webhook.timeout, 10);
  assert.equal(webhook.max_retries, 3);
  assert.ok(webhook.secret instanceof Secret);
  assert.equal(webhook.secret.reveal(), "whsec-0123456789abcdef");
  const email = drop.destinations.email!;
  assert.deepEqual(
    { ...email.smtp, password: email.smtp.password?.reveal() },
    {
      host: "smtp.example.com",
      port: 587,
      secure: false,
      username: "traceone",
      password: "smtp-secret-value",
    },
  );
  assert.equal(email.timeout, 30);
  assert.equal(ownership.digest, false);
  assert.deepEqual(ownership.match.types, ["TRANSFER", "DELETE", "UNDER_REVIEW"]);
  assert.equal(ownership.match.condition, null);
  assert.equal(ownership.destinations.webhook!.secret, null);
  assert.equal(ownership.destinations.email, null);
  // Nothing secret survives printing.
  assert.doesNotMatch(JSON.stringify(config), /whsec-0123456789abcdef|smtp-secret-value/);
});

Deno.test("absent or null: no rules", () => {
  assert.deepEqual(alertsIssues(undefined), []);
  assert.deepEqual(alertsIssues(null), []);
  assert.deepEqual(resolveAlerts(null), { rules: [] });
});

Deno.test("port 465 means secure, secure means 465", () => {
  const smtp = (extra: string) =>
    resolveAlerts(AlertsSchema.parse(parse(`
- name: r
  match: { types: [DELETE] }
  destinations:
    email: { to: [a@example.com], from: b@example.com, smtp: { host: mail.example.com, ${extra} } }
`))).rules[0].destinations.email!.smtp;
  assert.deepEqual([smtp("port: 465").secure, smtp("port: 465").port], [true, 465]);
  assert.deepEqual([smtp("secure: true").secure, smtp("secure: true").port], [true, 465]);
});

Deno.test("errors name the key and what is expected", () => {
  const issues = issuesOf(`
- name: a
  match: { types: [TRANSFERS] }
  destinations:
    webhook: { url: "http://hooks.example.com/x", secret: whsec-0123456789abcdef, formt: json }
- name: a
  match: { elements: ["organization..x"], condition: { drops_by: -3 } }
  destinations: {}
- name: "bad/name"
  match: { types: [DELETE] }
  destinations:
    webhook: { url: "https://x.example.com", timeout: "10" }
    email: { to: [], from: nobody, smtp: { host: h, username: u } }
`);
  const expected = [
    /^alerts\[0\]\.match\.types\[0\]: unknown value "TRANSFERS" \(expected one of: UPDATE, SEED, .*TRANSFER/,
    /^alerts\[0\]\.destinations\.webhook\.url: plain http is allowed only for loopback hosts .*got hooks\.example\.com/,
    /^alerts\[0\]\.destinations\.webhook\.formt: unknown key \(expected one of: url, secret, format, timeout, max_retries; did you mean format\?\)/,
    /^alerts\[1\]\.match\.elements\[0\]: not an element path/,
    /^alerts\[1\]\.match\.condition\.drops_by: must be greater than 0, got number -3 \(fires when previous − current/,
    /^alerts\[2\]\.name: not a rule name/,
    /^alerts\[2\]\.destinations\.webhook\.timeout: expected a number, got string "10" \(seconds one request may take/,
    /^alerts\[2\]\.destinations\.email\.to: must have at least 1 items/,
    /^alerts\[2\]\.destinations\.email\.from: not an e-mail address: "nobody"/,
    /^alerts\[1\]\.name: the name "a" is already used by alerts\[0\]/,
    /^alerts\[2\]\.destinations\.webhook\.secret: required with format: json/,
    /^alerts\[2\]\.destinations\.email\.smtp\.password: required with the other/,
  ];
  for (const pattern of expected) {
    assert.ok(
      issues.some((issue) => pattern.test(issue)),
      `${pattern}\nnot in:\n${issues.join("\n")}`,
    );
  }
  assert.equal(issues.length, expected.length, issues.join("\n"));
});

Deno.test("missing keys say what belongs there", () => {
  const issues = issuesOf(`
- match: { types: [DELETE] }
- name: b
  destinations: { webhook: { url: "https://x.example.com", format: teams } }
`);
  assert.ok(
    issues.includes("alerts[0].name: missing (a unique name, e.g. failure-score-drop)"),
    issues.join("\n"),
  );
  assert.ok(issues.some((i) => i.startsWith("alerts[0].destinations: missing (a mapping")));
  assert.ok(issues.some((i) => i.startsWith("alerts[1].match: missing (a mapping with")));
});

Deno.test("a condition needs elements; a match needs something", () => {
  const issues = issuesOf(`
- name: a
  match: { condition: { below: 3 } }
  destinations: { webhook: { url: "https://x.example.com", format: slack } }
- name: b
  match: { types: [] }
  destinations: { webhook: { url: "https://x.example.com", format: slack } }
- name: c
  match: { elements: [organization.x], condition: {} }
  destinations: { webhook: { url: "https://x.example.com", format: slack } }
`);
  assert.deepEqual(issues.map((i) => i.split(":")[0]), [
    "alerts[0].match.elements",
    "alerts[1].match",
    "alerts[2].match.condition",
  ]);
});

Deno.test("a secret's value never appears in an issue", () => {
  const issues = issuesOf(`
- name: a
  match: { types: [DELETE] }
  destinations:
    webhook: { url: "https://x.example.com", secret: short-secret }
    email: { to: [a@example.com], from: b@example.com, smtp: { host: h, username: u, password: 12345 } }
`);
  assert.ok(
    issues.some((i) =>
      i.startsWith("alerts[0].destinations.webhook.secret: must have at least 16")
    ),
  );
  assert.ok(
    issues.some((i) =>
      i ===
        'alerts[0].destinations.email.smtp.password: expected a string, got a number; put it in quotes (the SMTP password, e.g. "${SMTP_PASSWORD}")'
    ),
    issues.join("\n"),
  );
  assert.doesNotMatch(issues.join("\n"), /short-secret|12345/);
});
