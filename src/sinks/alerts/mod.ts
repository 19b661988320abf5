import type {
  AlertRule,
  AlertsConfig,
  EmailDestinationConfig,
} from "../../config/alerts_config.ts";
import { type Alert, buildAlerts } from "../../alerts/alert.ts";
import {
  type Batch,
  type DeliverOptions,
  type DeliveryReceipt,
  type RejectedNotification,
  type Sink,
  SinkRejectedError,
  SinkStats,
} from "../sink.ts";
import {
  type AlertDestinationKind,
  type AlertRuleStatus,
  AlertStatusBook,
} from "./alert_status.ts";
import { sendEmail } from "./email.ts";
import { AlertsSinkClosedError, AlertsUnavailableError } from "./errors.ts";
import type { Mailer } from "./mailer.ts";
import { nodemailerMailer } from "./nodemailer_mailer.ts";
import type { SendResult } from "./send_result.ts";
import { type SentAlertLog, SentIds } from "./sent_ids.ts";
import { sendWebhook } from "./webhook.ts";

export {
  type AlertDeliveryState,
  type AlertDestinationKind,
  type AlertDestinationStatus,
  type AlertRuleStatus,
} from "./alert_status.ts";
export {
  AlertEmailAuthError,
  AlertEmailUnavailableError,
  AlertsSinkClosedError,
  AlertsUnavailableError,
  type AlertTarget,
  AlertWebhookConfigurationError,
  AlertWebhookUnavailableError,
} from "./errors.ts";
export { type Mailer, type MailMessage, SmtpSendError } from "./mailer.ts";
export { NODEMAILER_ENV_VARIABLES, nodemailerMailer } from "./nodemailer_mailer.ts";
export type { SendResult } from "./send_result.ts";

export type { SentAlertLog } from "./sent_ids.ts";

export const ALERTS_SINK_NAME = "alerts";

export interface AlertSinkOptions {
  /** Sends webhooks; `fetch` by default. */
  fetch?: typeof fetch;
  /** Makes the mailer of an e-mail destination; npm nodemailer by default. */
  mailer?: (destination: EmailDestinationConfig) => Mailer;
  /** Unix milliseconds now. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Backoff between webhook attempts within one delivery (defaults 500 ms, 10 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How many sent ids are remembered per process without `sentLog` (default 10 000). */
  sentIdLimit?: number;
  /**
   * Where sent alert ids are kept; a durable one (the service's, on the state KV) means a batch
   * re-delivered after a crash sends nothing it already sent. In memory by default.
   */
  sentLog?: SentAlertLog;
}

/** The alerts sink, with what `/status` shows of its rules. */
export interface AlertSink extends Sink {
  /** Per rule: last fired, last alert id, and each destination's state. A copy. */
  alertStatus(): AlertRuleStatus[];
}

/**
 * Alert rules as a sink: each batch is matched against every rule, each rule that matched gives
 * one alert (digest) or one per notification, and each alert goes to the rule's webhook and/or
 * e-mail. Being a sink, it has its own cursor, retries, breaker and dead letters, and never
 * delays pulling or another sink.
 *
 * Once in effect: an alert's id is fixed by what it is about (see `alertId`), so a re-delivered
 * batch sends the same id and the receiver de-duplicates on it; within the process, what a
 * destination already took is not sent to it again, so a retry after a partial success sends
 * only the rest. An outage anywhere throws (the pipeline retries the batch); refusals alone
 * throw `SinkRejectedError` naming the notifications of the refused alerts.
 */
export function createAlertSink(config: AlertsConfig, options: AlertSinkOptions = {}): AlertSink {
  const now = options.now ?? Date.now;
  const rules = new Map<string, AlertRule>(config.rules.map((rule) => [rule.name, rule]));
  const stats = new SinkStats();
  const book = new AlertStatusBook(config.rules);
  const sentIds: SentAlertLog = options.sentLog ?? new SentIds(options.sentIdLimit);
  const mailers = new Map<string, Mailer>();
  const makeMailer = options.mailer ?? nodemailerMailer;
  let closed = false;

  function mailerFor(rule: AlertRule, destination: EmailDestinationConfig): Mailer {
    let mailer = mailers.get(rule.name);
    if (mailer === undefined) {
      mailer = makeMailer(destination);
      mailers.set(rule.name, mailer);
    }
    return mailer;
  }

  async function send(
    alert: Alert,
    rule: AlertRule,
    kind: AlertDestinationKind,
    signal?: AbortSignal,
  ): Promise<SendResult> {
    const { webhook, email } = rule.destinations;
    if (kind === "webhook" && webhook) {
      return await sendWebhook(alert, webhook, {
        fetch: options.fetch,
        now,
        sleep: options.sleep,
        random: options.random,
        retryBaseMs: options.retryBaseMs,
        retryMaxMs: options.retryMaxMs,
        signal,
      });
    }
    if (kind === "email" && email) {
      return await sendEmail(alert, email, {
        mailer: mailerFor(rule, email),
        sentAt: new Date(now()).toISOString(),
      });
    }
    return { ok: true, attempts: 0 };
  }

  async function deliver(
    batch: Batch,
    deliverOptions: DeliverOptions = {},
  ): Promise<DeliveryReceipt> {
    if (closed) throw new AlertsSinkClosedError();
    const signal = deliverOptions.signal;
    const alerts = buildAlerts(config.rules, batch);
    const outages: Error[] = [];
    const refused: RejectedNotification[] = [];
    let sent = 0;
    let pending = 0;
    for (const alert of alerts) {
      const rule = rules.get(alert.rule)!;
      const kinds: AlertDestinationKind[] = [];
      if (rule.destinations.webhook) kinds.push("webhook");
      if (rule.destinations.email) kinds.push("email");
      if (kinds.length === 0) {
        // A dashboard-only rule (`destinations: {}`) fires into its status, once per alert.
        if (!(await sentIds.has("dashboard", alert.id))) {
          await sentIds.add("dashboard", alert.id);
          book.fired(alert.rule, alert.id, new Date(now()).toISOString());
        }
        continue;
      }
      // What every destination already took (this process) is not sent, nor counted as firing.
      const due: AlertDestinationKind[] = [];
      for (const kind of kinds) if (!(await sentIds.has(kind, alert.id))) due.push(kind);
      if (due.length === 0) continue;
      book.fired(alert.rule, alert.id, new Date(now()).toISOString());
      for (const kind of due) {
        signal?.throwIfAborted();
        const result = await send(alert, rule, kind, signal);
        if (result.ok) {
          await sentIds.add(kind, alert.id);
          book.sent(alert.rule, kind, alert.id, new Date(now()).toISOString());
          sent++;
          continue;
        }
        pending++;
        book.failed(alert.rule, kind, {
          refused: result.kind === "refusal",
          message: result.error.message,
        });
        if (result.kind === "outage") outages.push(result.error);
        else {
          const ids = new Set(alert.matches.map((item) => item.notificationId));
          for (const id of ids) refused.push({ id, reason: result.error.message });
        }
      }
    }
    if (outages.length > 0) {
      const error = new AlertsUnavailableError(outages, { sent, pending });
      stats.recordError(error);
      throw error;
    }
    if (refused.length > 0) {
      const error = new SinkRejectedError(ALERTS_SINK_NAME, dedupe(refused));
      stats.recordError(error);
      throw error;
    }
    const receipt: DeliveryReceipt = { written: sent, location: ALERTS_SINK_NAME };
    stats.recordWrite(receipt);
    return receipt;
  }

  return {
    name: ALERTS_SINK_NAME,
    // Alerts are news: turning them on in a running deployment must not send 14 days of
    // retained batches as if they had just happened.
    startAt: "head",
    deliver,
    health: () => stats.health(),
    alertStatus: () => book.snapshot(),
    close(): Promise<void> {
      closed = true;
      for (const mailer of mailers.values()) mailer.close();
      mailers.clear();
      return Promise.resolve();
    },
  };
}

// A notification refused by two destinations is one dead letter, with the first reason.
function dedupe(rejected: RejectedNotification[]): RejectedNotification[] {
  const byId = new Map<string, RejectedNotification>();
  for (const item of rejected) if (!byId.has(item.id)) byId.set(item.id, item);
  return [...byId.values()];
}
