import { z } from "zod";
import type { ConfigIssue } from "./errors.ts";
import { NOTIFICATION_TYPES } from "../model/payload.ts";
import { referenceProblem } from "../model/reference.ts";
import { checkedString, field, isMapping, issueTranslator, required } from "./schema_fields.ts";

/**
 * What a configuration file may say under `alerts:`: a list of rules, each sending what it
 * matches to a signed webhook and/or an e-mail. Kept apart from `schema.ts` so the section can
 * grow on its own; `alertsIssues` reports problems in the same terms as the rest of the file
 * (`alerts[0].destinations.webhook.url: …`), with the hint of each key.
 */

/** Notification types a rule may name: D&B's nine, and ENTER, which some registrations send. */
export const ALERT_NOTIFICATION_TYPES = [...NOTIFICATION_TYPES, "ENTER"] as const;
export const WEBHOOK_FORMATS = ["json", "slack", "teams"] as const;

/** The value of every alert setting a file leaves out. */
export const ALERT_DEFAULTS = {
  digest: true,
  webhook: { format: "json", timeout: 10, max_retries: 3 },
  email: { timeout: 30 },
  smtp: { port: 587 },
} as const;

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

function ruleNameProblem(value: string): string | null {
  return RULE_NAME.test(value) ? null : `not a rule name: ${JSON.stringify(value)}; use 1 to 64 ` +
    "letters, digits, spaces, dots, underscores and hyphens, starting with a letter or digit";
}

// Segments of letters, digits, `_`, `[n]`; `*` stands for one segment, `**` for any number.
const ELEMENT_SEGMENT = /^(\*\*|\*|[A-Za-z0-9_$*-]+(\[[0-9*]+\])*)$/;

function elementProblem(value: string): string | null {
  const bad = value.split(".").find((segment) => !ELEMENT_SEGMENT.test(segment));
  return bad === undefined
    ? null
    : `not an element path: ${JSON.stringify(value)} (the segment ${
      JSON.stringify(bad)
    } is empty or holds characters other than letters, digits, _ and *)`;
}

function webhookUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not a URL";
  }
  if (url.username !== "" || url.password !== "") {
    return "must not hold credentials (the receiver checks the X-TraceOne-Signature header)";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol !== "http:") return `must use https, got ${url.protocol.replace(/:$/, "")}`;
  const host = url.hostname;
  if (host === "localhost" || host === "[::1]" || host.startsWith("127.")) return null;
  return `plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost), got ${host}`;
}

// Enough to catch a name where an address belongs, and no CR/LF that could add a mail header.
const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.?[^\s@<>",;]*$/;

function emailProblem(value: string): string | null {
  return EMAIL.test(value) ? null : `not an e-mail address: ${JSON.stringify(value)}`;
}

const DUNS = /^[0-9]{9}$/;

function dunsProblem(value: string): string | null {
  return DUNS.test(value) ? null : `not a 9-digit DUNS number: ${JSON.stringify(value)}`;
}

const HOST = /^[A-Za-z0-9_.:[\]-]+$/;

function hostProblem(value: string): string | null {
  return HOST.test(value) ? null : `not a host name: ${JSON.stringify(value)}`;
}

const threshold = (hint: string) => field(z.number(), hint);

const ConditionSchema = z.strictObject({
  below: threshold("fires when the current value is below this number, e.g. 30"),
  above: threshold("fires when the current value is above this number, e.g. 1000000"),
  drops_by: field(
    z.number().positive(),
    "fires when previous − current is at least this much, e.g. 20",
  ),
  rises_by: field(
    z.number().positive(),
    "fires when current − previous is at least this much, e.g. 20",
  ),
});

const MatchSchema = z.strictObject({
  types: field(
    z.array(required(z.enum(ALERT_NOTIFICATION_TYPES), "a notification type")),
    "a list of notification types, e.g. [TRANSFER, DELETE, UNDER_REVIEW]; empty means any",
  ),
  elements: field(
    z.array(
      required(
        checkedString(elementProblem),
        "an element path, * for one segment and ** for any number, " +
          "e.g. organization.dnbAssessment.failureScore.*",
      ),
    ),
    "a list of element paths, e.g. [organization.dnbAssessment.failureScore.*]; empty means any",
  ),
  condition: field(
    ConditionSchema,
    "a mapping with one or more of below, above, drops_by, rises_by, e.g. { drops_by: 20 }",
  ),
  duns: field(
    z.array(
      required(
        checkedString(dunsProblem),
        'a 9-digit DUNS number, e.g. "804735132"; quotes keep leading zeros',
      ),
    ),
    'a list of DUNS numbers, e.g. ["804735132"]; empty means any',
  ),
  registrations: field(
    z.array(required(checkedString(referenceProblem), "a registration reference")),
    "a list of registration references; empty means any",
  ),
});

const WebhookSchema = z.strictObject({
  url: required(
    checkedString(webhookUrlProblem),
    "the receiver's https URL, e.g. https://hooks.example.com/traceone; plain http only for " +
      "loopback",
  ),
  secret: field(
    z.string().min(16),
    "the HMAC-SHA256 key the receiver verifies X-TraceOne-Signature with, at least 16 " +
      'characters, e.g. "${ALERT_WEBHOOK_SECRET}"',
    { secret: true },
  ),
  format: field(z.enum(WEBHOOK_FORMATS), "the body: json, slack or teams"),
  timeout: field(z.number().positive(), "seconds one request may take, e.g. 10"),
  max_retries: field(
    z.int().min(0).max(10),
    "retries within one delivery for 5xx, 429 and network errors, 0 to 10, e.g. 3",
  ),
});

const SmtpSchema = z.strictObject({
  host: required(checkedString(hostProblem), "the SMTP server's host name, e.g. smtp.example.com"),
  port: field(z.int().min(1).max(65535), "the SMTP port, e.g. 587 (465 with secure: true)"),
  secure: field(z.boolean(), "true for TLS from the start (port 465); false uses STARTTLS"),
  username: field(z.string().min(1), "the SMTP user name"),
  password: field(z.string().min(1), 'the SMTP password, e.g. "${SMTP_PASSWORD}"', {
    secret: true,
  }),
});

const EmailSchema = z.strictObject({
  to: required(
    z.array(required(checkedString(emailProblem), "an e-mail address")).min(1),
    "a list of e-mail addresses, e.g. [risk@example.com]",
  ),
  from: required(checkedString(emailProblem), "the sender address, e.g. traceone@example.com"),
  smtp: required(SmtpSchema, "a mapping with host, port, secure, username, password"),
  timeout: field(z.number().positive(), "seconds the SMTP exchange may take, e.g. 30"),
});

const DestinationsSchema = z.strictObject({
  webhook: field(WebhookSchema, "a mapping with url, secret, format, timeout, max_retries"),
  email: field(EmailSchema, "a mapping with to, from, smtp"),
});

const RuleSchema = z.strictObject({
  name: required(checkedString(ruleNameProblem), "a unique name, e.g. failure-score-drop"),
  match: required(
    MatchSchema,
    "a mapping with one or more of types, elements, condition, duns, registrations",
  ),
  digest: field(
    z.boolean(),
    "true: one message per rule and batch with all its matches; false: one per notification",
  ),
  destinations: required(
    DestinationsSchema,
    "a mapping with webhook and/or email; {} for the dashboard and /status only",
  ),
});

/** The `alerts:` section as a file may write it. */
export const AlertsSchema = required(
  z.array(required(RuleSchema, "a mapping with name, match, destinations")),
  "a list of alert rules, each a mapping with name, match, destinations",
);

/** `alerts:` once it passed `alertsIssues` (null or absent means no rules). */
export type AlertsFileConfig = z.infer<typeof AlertsSchema> | null | undefined;
export type AlertRuleFileConfig = z.infer<typeof RuleSchema>;

const ROOT = "alerts";

const { translate: translateIssue, hintAt } = issueTranslator(AlertsSchema, { prefix: [ROOT] });

/**
 * Every problem of the `alerts:` section, in user terms, with paths from the file's root
 * (`alerts[1].match.condition`). Empty when `value` is fine (or absent).
 */
export function alertsIssues(value: unknown): ConfigIssue[] {
  if (value == null) return [];
  const result = AlertsSchema.safeParse(value, { reportInput: true });
  const issues = result.success ? [] : result.error.issues.flatMap(translateIssue);
  issues.push(...crossFieldIssues(value));
  return issues;
}

function crossFieldIssues(value: unknown): ConfigIssue[] {
  if (!Array.isArray(value)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  value.forEach((rule, index) => {
    if (!isMapping(rule)) return;
    const at = `${ROOT}[${index}]`;
    if (typeof rule.name === "string") {
      const first = seen.get(rule.name);
      if (first !== undefined) {
        issues.push({
          path: `${at}.name`,
          message: `the name ${JSON.stringify(rule.name)} is already used by ${ROOT}[${first}] ` +
            "(names must be unique: they make the alert ids and the status)",
        });
      } else seen.set(rule.name, index);
    }
    const match = rule.match;
    if (isMapping(match)) {
      const keys = ["types", "elements", "condition", "duns", "registrations"];
      if (keys.every((key) => match[key] == null || isEmptyList(match[key]))) {
        issues.push({
          path: `${at}.match`,
          message: "matches every notification (give at least one of types, elements, " +
            "condition, duns, registrations)",
        });
      }
      const condition = match.condition;
      if (isMapping(condition)) {
        const given = ["below", "above", "drops_by", "rises_by"].filter((k) =>
          condition[k] != null
        );
        if (given.length === 0) {
          issues.push({
            path: `${at}.match.condition`,
            message: "empty (give one or more of below, above, drops_by, rises_by, e.g. " +
              "{ drops_by: 20 })",
          });
        } else if (match.elements == null || isEmptyList(match.elements)) {
          issues.push({
            path: `${at}.match.elements`,
            message: "required with a condition: it says which numbers the condition reads " +
              "(e.g. [organization.dnbAssessment.failureScore.*])",
          });
        }
      }
    }
    const destinations = rule.destinations;
    if (isMapping(destinations)) {
      // `destinations: {}` is allowed on purpose: the rule then shows in /status and on the
      // dashboard only (the demo's rules; trying a rule before a receiver exists).
      const webhook = destinations.webhook;
      if (isMapping(webhook) && webhook.secret == null && (webhook.format ?? "json") === "json") {
        issues.push({
          path: `${at}.destinations.webhook.secret`,
          message: "required with format: json, so the receiver can verify X-TraceOne-Signature " +
            `(${hintAt([0, "destinations", "webhook", "secret"])})`,
        });
      }
      const smtp = isMapping(destinations.email) ? destinations.email.smtp : undefined;
      if (isMapping(smtp) && (smtp.username == null) !== (smtp.password == null)) {
        issues.push({
          path: `${at}.destinations.email.smtp.${smtp.username == null ? "username" : "password"}`,
          message: "required with the other (give both username and password, or neither)",
        });
      }
    }
  });
  return issues;
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}
