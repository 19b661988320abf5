// Errors of the alerts sink. Outages (the receiver or mail server is down, busy, refuses the
// credentials, redirects) keep the batch journaled and are retried by the pipeline; a receiver
// that refuses an alert as such (HTTP 400, SMTP 5xx on the message) becomes `SinkRejectedError`
// in `mod.ts`, so the batch's alert can go to the dead letters instead of holding back the
// registration. No message holds a secret, the signature, or a webhook URL's path (Slack and
// Teams put their token there): only the URL's origin is named.

/** Which destination of which rule, for messages and status. */
export interface AlertTarget {
  rule: string;
  destination: "webhook" | "email";
  /** `https://hooks.example.com` for a webhook, `smtp.example.com:587` for e-mail. */
  where: string;
}

/** A webhook call that did not get through and may later: 5xx, 429, 408, timeout, network. */
export class AlertWebhookUnavailableError extends Error {
  readonly code = "ALERT_WEBHOOK_UNAVAILABLE";
  readonly retryable = true;
  readonly rule: string;
  /** The last HTTP status, or null when no answer came. */
  readonly status: number | null;
  readonly attempts: number;

  constructor(
    target: AlertTarget,
    details: { reason: string; status: number | null; attempts: number },
    options?: ErrorOptions,
  ) {
    super(
      `alerts: rule ${JSON.stringify(target.rule)}: the webhook at ${target.where} is ` +
        `unavailable after ${details.attempts} attempt(s): ${details.reason} (the alert is kept ` +
        "and sent again with the same id)",
      options,
    );
    this.name = "AlertWebhookUnavailableError";
    this.rule = target.rule;
    this.status = details.status;
    this.attempts = details.attempts;
  }
}

/**
 * The receiver answered in a way only a person can fix: 401/403 (the secret or the receiver's
 * key is wrong), a redirect (never followed: the signature is for this URL, and a redirect could
 * carry the alert elsewhere). Waiting alerts are not dead-lettered for it.
 */
export class AlertWebhookConfigurationError extends Error {
  readonly code = "ALERT_WEBHOOK_CONFIGURATION";
  readonly retryable = false;
  readonly rule: string;
  readonly status: number;

  constructor(target: AlertTarget, details: { problem: string; advice: string; status: number }) {
    super(
      `alerts: rule ${JSON.stringify(target.rule)}: the webhook at ${target.where} ` +
        `${details.problem} (HTTP ${details.status}) — ${details.advice}`,
    );
    this.name = "AlertWebhookConfigurationError";
    this.rule = target.rule;
    this.status = details.status;
  }
}

/** The SMTP server could not be reached, timed out, or answered 4xx (try later). */
export class AlertEmailUnavailableError extends Error {
  readonly code = "ALERT_EMAIL_UNAVAILABLE";
  readonly retryable = true;
  readonly rule: string;
  readonly smtpCode: string | null;
  readonly responseCode: number | null;

  constructor(
    target: AlertTarget,
    details: { reason: string; smtpCode: string | null; responseCode: number | null },
  ) {
    super(
      `alerts: rule ${JSON.stringify(target.rule)}: the SMTP server ${target.where} did not take ` +
        `the e-mail: ${details.reason} (the alert is kept and sent again with the same id)`,
    );
    this.name = "AlertEmailUnavailableError";
    this.rule = target.rule;
    this.smtpCode = details.smtpCode;
    this.responseCode = details.responseCode;
  }
}

/** The SMTP server refused the user name and password. */
export class AlertEmailAuthError extends Error {
  readonly code = "ALERT_EMAIL_AUTH_FAILED";
  readonly retryable = false;
  readonly rule: string;

  constructor(target: AlertTarget, details: { username: string | null; said: string }) {
    super(
      `alerts: rule ${JSON.stringify(target.rule)}: the SMTP server ${target.where} refused the ` +
        `login${details.username === null ? "" : ` of user ${JSON.stringify(details.username)}`}` +
        ` (${details.said}) — check destinations.email.smtp.username and .password`,
    );
    this.name = "AlertEmailAuthError";
    this.rule = target.rule;
  }
}

/** Some alerts of a batch could not be sent for now; the others were (and are not re-sent). */
export class AlertsUnavailableError extends Error {
  readonly code = "ALERTS_UNAVAILABLE";
  readonly retryable = true;
  readonly failures: Error[];

  constructor(failures: Error[], details: { sent: number; pending: number }) {
    super(
      `alerts: ${details.pending} alert message(s) not sent yet (${details.sent} sent): ` +
        failures.slice(0, 3).map((failure) => failure.message).join("; ") +
        (failures.length > 3 ? "; …" : ""),
      { cause: failures[0] },
    );
    this.name = "AlertsUnavailableError";
    this.failures = failures;
  }
}

export class AlertsSinkClosedError extends Error {
  readonly code = "ALERTS_SINK_CLOSED";
  readonly retryable = true;

  constructor() {
    super("alerts: the sink is closed (the batch is kept and delivered after the restart)");
    this.name = "AlertsSinkClosedError";
  }
}
