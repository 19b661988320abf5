import type { WebhookDestinationConfig } from "../../config/alerts_config.ts";
import type { Alert } from "../../alerts/alert.ts";
import { ALERT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from "../../alerts/signature.ts";
import { webhookBody } from "../../alerts/webhook_body.ts";
import { backoffDelay, parseRetryAfter } from "../../resilience/backoff.ts";
import { sleep as defaultSleep } from "../../resilience/sleep.ts";
import { maskKnownSecrets, maskSecrets } from "../../model/secret.ts";
import {
  type AlertTarget,
  AlertWebhookConfigurationError,
  AlertWebhookUnavailableError,
} from "./errors.ts";
import type { SendResult } from "./send_result.ts";

/** How much of a receiver's error body goes into a message. */
const ERROR_TEXT_LIMIT = 300;

export interface WebhookSendOptions {
  fetch?: typeof fetch;
  /** Unix milliseconds now; signs `t=` and stamps `sent_at`. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Backoff between attempts within one delivery. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  signal?: AbortSignal;
}

/** Statuses worth another attempt right away (after a backoff) rather than a later delivery. */
function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * POSTs one alert, signed, with retries and backoff for 5xx, 429, 408 and network errors; never
 * follows a redirect. Returns the outcome as a value; throws only when `signal` aborts.
 */
export async function sendWebhook(
  alert: Alert,
  destination: WebhookDestinationConfig,
  options: WebhookSendOptions = {},
): Promise<SendResult> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const baseMs = options.retryBaseMs ?? 500;
  const maxMs = options.retryMaxMs ?? 10_000;
  const target: AlertTarget = {
    rule: alert.rule,
    destination: "webhook",
    where: new URL(destination.url).origin,
  };
  const key = destination.secret?.reveal() ?? null;
  // Fetch errors name the URL, whose path is a token at Slack and Teams: only the origin stays.
  const hidden = [destination.url, new URL(destination.url).href];
  const mask = (text: string) =>
    maskKnownSecrets(
      maskSecrets(
        hidden.reduce((masked, url) => masked.replaceAll(url, `${target.where}/…`), text),
        key === null ? [] : [key],
      ),
    );
  let lastStatus: number | null = null;
  let lastReason = "";
  let attempts = 0;

  for (let attempt = 0; attempt <= destination.max_retries; attempt++) {
    if (attempt > 0) {
      await sleep(
        backoffDelay(attempt - 1, { baseMs, maxMs, random: options.random }),
        options.signal,
      );
    }
    attempts++;
    const sentAt = now();
    const body = webhookBody(alert, { format: destination.format, sentAt: iso(sentAt) });
    const headers = new Headers({
      "content-type": "application/json",
      "user-agent": "TraceOne-Monitor-Alerts",
      [ALERT_ID_HEADER]: alert.id,
    });
    if (key !== null) {
      headers.set(SIGNATURE_HEADER, signatureHeader(body, { key, timestamp: sentAt / 1000 }));
    }
    const timeout = AbortSignal.timeout(destination.timeout * 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await doFetch(destination.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      lastStatus = null;
      lastReason = timeout.aborted
        ? `no answer within ${destination.timeout} s`
        : `cannot connect: ${mask(messageOf(error))}`;
      continue;
    }
    const status = response.status;
    const said = mask(await boundedText(response));
    if (status >= 200 && status < 300) return { ok: true, attempts };
    if (status >= 300 && status < 400) {
      return {
        ok: false,
        kind: "outage",
        error: new AlertWebhookConfigurationError(target, {
          problem: "redirects",
          advice: "set destinations.webhook.url to the final address (redirects are never " +
            "followed: the alert and its signature go only where the configuration says)",
          status,
        }),
      };
    }
    if (status === 401 || status === 403) {
      return {
        ok: false,
        kind: "outage",
        error: new AlertWebhookConfigurationError(target, {
          problem: `refuses the request${said ? `: ${said}` : ""}`,
          advice: "check destinations.webhook.secret against the receiver's key, and that the " +
            "receiver accepts this sender (the alerts wait until it does)",
          status,
        }),
      };
    }
    lastStatus = status;
    lastReason = `HTTP ${status}${said ? `: ${said}` : ""}`;
    if (retryable(status)) {
      const retryAfter = status === 429 || status === 503
        ? parseRetryAfter(response.headers.get("retry-after"), now())
        : null;
      // A longer wait than the backoff allows belongs to the pipeline, not to this delivery.
      if (retryAfter !== null && retryAfter > maxMs) break;
      if (retryAfter !== null && attempt < destination.max_retries) {
        await sleep(retryAfter, options.signal);
      }
      continue;
    }
    return {
      ok: false,
      kind: "refusal",
      error: new Error(
        `alerts: rule ${JSON.stringify(alert.rule)}: the webhook at ${target.where} refused ` +
          `alert ${alert.id}: ${lastReason}`,
      ),
    };
  }
  return {
    ok: false,
    kind: "outage",
    error: new AlertWebhookUnavailableError(target, {
      reason: lastReason,
      status: lastStatus,
      attempts,
    }),
  };
}

/** The start of a response body as text; the rest is cancelled, so nothing stays open. */
async function boundedText(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body that breaks off says no more than what arrived.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const text = new TextDecoder().decode(bytes).replace(/\s+/g, " ").trim();
  return text.length > ERROR_TEXT_LIMIT ? `${text.slice(0, ERROR_TEXT_LIMIT)}…` : text;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
