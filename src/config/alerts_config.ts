import { Secret } from "../model/secret.ts";
import { ALERT_DEFAULTS, type AlertsFileConfig } from "./alerts_schema.ts";

/**
 * The resolved `alerts:` section: every default filled in, every secret wrapped. What a file may
 * say is `AlertsSchema` in `alerts_schema.ts`; `resolveAlerts` joins the two.
 */
export interface AlertsConfig {
  /** In file order; names are unique. Empty: no alerts. */
  rules: AlertRule[];
}

export interface AlertRule {
  name: string;
  match: AlertMatch;
  /** One message per rule and batch with every match (true), or one per notification. */
  digest: boolean;
  destinations: AlertDestinations;
}

/** Every list that is empty matches anything; what is given must all hold. */
export interface AlertMatch {
  types: string[];
  /** Element paths; `*` stands for one segment, `**` for any number of segments. */
  elements: string[];
  condition: AlertCondition | null;
  duns: string[];
  registrations: string[];
}

/** Numeric tests on an element; every one given must hold. */
export interface AlertCondition {
  /** current < below */
  below: number | null;
  /** current > above */
  above: number | null;
  /** previous − current ≥ drops_by */
  drops_by: number | null;
  /** current − previous ≥ rises_by */
  rises_by: number | null;
}

export interface AlertDestinations {
  webhook: WebhookDestinationConfig | null;
  email: EmailDestinationConfig | null;
}

export type WebhookFormat = "json" | "slack" | "teams";

export interface WebhookDestinationConfig {
  url: string;
  /** The HMAC-SHA256 key of `X-TraceOne-Signature`; null sends no signature (slack, teams). */
  secret: Secret | null;
  format: WebhookFormat;
  /** Seconds one request may take. */
  timeout: number;
  /** Retries within one delivery for 5xx, 429, 408 and network errors. */
  max_retries: number;
}

export interface EmailDestinationConfig {
  to: string[];
  from: string;
  smtp: SmtpConfig;
  /** Seconds the SMTP exchange may take. */
  timeout: number;
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the start (465); false upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  username: string | null;
  password: Secret | null;
}

/** Joins a validated `alerts:` section with the defaults. Pure. */
export function resolveAlerts(fileValue: AlertsFileConfig): AlertsConfig {
  return {
    rules: (fileValue ?? []).map((rule): AlertRule => {
      const match = rule.match;
      const condition = match.condition;
      const webhook = rule.destinations.webhook;
      const email = rule.destinations.email;
      return {
        name: rule.name,
        match: {
          types: match.types ?? [],
          elements: match.elements ?? [],
          condition: condition == null ? null : {
            below: condition.below ?? null,
            above: condition.above ?? null,
            drops_by: condition.drops_by ?? null,
            rises_by: condition.rises_by ?? null,
          },
          duns: match.duns ?? [],
          registrations: match.registrations ?? [],
        },
        digest: rule.digest ?? ALERT_DEFAULTS.digest,
        destinations: {
          webhook: webhook == null ? null : {
            url: webhook.url,
            secret: webhook.secret == null ? null : new Secret(webhook.secret),
            format: webhook.format ?? ALERT_DEFAULTS.webhook.format,
            timeout: webhook.timeout ?? ALERT_DEFAULTS.webhook.timeout,
            max_retries: webhook.max_retries ?? ALERT_DEFAULTS.webhook.max_retries,
          },
          email: email == null ? null : {
            to: [...email.to],
            from: email.from,
            smtp: {
              host: email.smtp.host,
              port: email.smtp.port ?? (email.smtp.secure ? 465 : ALERT_DEFAULTS.smtp.port),
              secure: email.smtp.secure ?? email.smtp.port === 465,
              username: email.smtp.username ?? null,
              password: email.smtp.password == null ? null : new Secret(email.smtp.password),
            },
            timeout: email.timeout ?? ALERT_DEFAULTS.email.timeout,
          },
        },
      };
    }),
  };
}

/**
 * What npm nodemailer reads from the environment as it loads (src/sinks/alerts/
 * nodemailer_mailer.ts): a configuration with e-mail destinations needs `--allow-env` for these
 * (they are only read, never required to be set). Here so the derived permissions know them.
 */
export const NODEMAILER_ENV_VARIABLES = [
  "ETHEREAL_API",
  "ETHEREAL_WEB",
  "ETHEREAL_API_KEY",
  "ETHEREAL_CACHE",
] as const;
