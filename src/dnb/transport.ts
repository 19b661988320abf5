import { backoffDelay, parseRetryAfter } from "../resilience/backoff.ts";
import type { BreakerSnapshot, CircuitBreaker } from "../resilience/circuit_breaker.ts";
import { sleep } from "../resilience/sleep.ts";
import type { RateLimiter } from "../resilience/rate_limiter.ts";
import type { DnbClock } from "./dnb_clock.ts";
import {
  DnbApiError,
  type DnbApiErrorDetails,
  type DnbCallSite,
  DnbCredentialsError,
  DnbNetworkError,
  DnbOutcomeUnknownError,
  DnbRedirectRefusedError,
  DnbResponseTooLargeError,
  DnbTimeoutError,
} from "./errors.ts";
import { readBoundedBody } from "./bounded_body.ts";
import { readErrorBody } from "./error_body.ts";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface TransportRequest {
  method: HttpMethod;
  /** Path from the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string | FormData | URLSearchParams;
  /** A stable label for metrics and logs, e.g. `pull`. */
  endpoint: string;
  /** Non-2xx statuses that are answers rather than errors (404 on pull means "drained"). */
  expect?: number[];
  /**
   * False for a call that changes state at D&B by answering (a pull dequeues): a timeout, a
   * network error or a 5xx is then thrown at once as `DnbOutcomeUnknownError`, never retried,
   * and a 429 goes back to the caller with its (capped) `Retry-After`, to repeat once its lease
   * and pacing allow.
   */
  blindRetry?: boolean;
  /** This call's body limit, instead of the transport's `maxResponseBytes`. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body was not valid UTF-8: `text` has U+FFFD where D&B's bytes were. */
  invalidUtf8?: boolean;
  /** Local ms when the answered request was sent and when its body had arrived. */
  sentAt: number;
  receivedAt: number;
}

/** One attempt on the wire, for metrics. */
export interface AttemptObservation {
  endpoint: string;
  method: HttpMethod;
  /** The HTTP status, or what happened instead of one. */
  outcome: number | "timeout" | "network" | "too_large";
  durationMs: number;
  limiterWaitMs: number;
  attempt: number;
}

export interface DnbTransportOptions {
  baseUrl: string;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** The longest `Retry-After` honoured; a longer ask is cut to this. */
  retryAfterMaxMs?: number;
  /** The longest body read (default 8 MiB); a longer one is `DnbResponseTooLargeError`. */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  random?: () => number;
  onAttempt?: (observation: AttemptObservation) => void;
  /** Fed with every answer's `Date` header. */
  clock?: DnbClock;
  /** Local wall time, for the clock samples. */
  now?: () => number;
}

export interface TransportStats {
  attempts: number;
  retries: number;
  /** Calls that ended in an error after their retries. */
  errors: number;
  rateLimited: number;
  timeouts: number;
  byOutcome: Record<string, number>;
  breaker: BreakerSnapshot;
  limiter: { taken: number; waitedMsTotal: number };
}

type AttemptResult =
  | { kind: "response"; response: TransportResponse }
  | {
    kind: "retry";
    error: Error;
    retryAfterMs: number | null;
    /** The request may have done its work at D&B: a call without blind retry ends here. */
    unknownOutcome: boolean;
  };

/**
 * Every Direct+ call goes through here: the shared rate limiter, a timeout, retries with
 * exponential backoff and full jitter on 429, 5xx and network errors (honouring Retry-After),
 * and the circuit breaker. A 4xx that cannot succeed on retry is thrown at once.
 */
export class DnbTransport {
  readonly #options: DnbTransportOptions;
  readonly #fetch: typeof fetch;
  readonly #stats = {
    attempts: 0,
    retries: 0,
    errors: 0,
    rateLimited: 0,
    timeouts: 0,
    byOutcome: {} as Record<string, number>,
  };

  constructor(options: DnbTransportOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
  }

  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** The body limit calls get unless they say otherwise. */
  get maxResponseBytes(): number {
    return this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const { maxRetries } = this.#options;
    for (let attempt = 0;; attempt++) {
      let result: AttemptResult;
      try {
        result = await this.#attempt(request, attempt);
      } catch (error) {
        this.#stats.errors++;
        throw error;
      }
      if (result.kind === "response") return result.response;
      if (result.unknownOutcome) {
        this.#stats.errors++;
        throw new DnbOutcomeUnknownError(siteOf(request), result.error);
      }
      // A call that must not be repeated blind is repeated by its caller, who re-checks its lease
      // and pacing first; a 429 only says when.
      if (attempt >= maxRetries || request.blindRetry === false) {
        this.#stats.errors++;
        throw result.error;
      }
      this.#stats.retries++;
      const delay = result.retryAfterMs ??
        backoffDelay(attempt, {
          baseMs: this.#options.retryBaseDelayMs,
          maxMs: this.#options.retryMaxDelayMs,
          random: this.#options.random,
        });
      await sleep(delay, request.signal);
    }
  }

  stats(): TransportStats {
    return {
      ...this.#stats,
      byOutcome: { ...this.#stats.byOutcome },
      breaker: this.#options.breaker.snapshot(),
      limiter: this.#options.limiter.stats(),
    };
  }

  async #attempt(request: TransportRequest, attempt: number): Promise<AttemptResult> {
    const { breaker, limiter, timeoutMs } = this.#options;
    const site = siteOf(request);
    const mayHaveActed = request.blindRetry === false;
    const now = this.#options.now ?? Date.now;
    breaker.acquire();
    let limiterWaitMs = 0;
    try {
      limiterWaitMs = await limiter.take(request.signal);
    } catch (error) {
      breaker.recordNeutral();
      throw error;
    }
    const started = performance.now();
    const observe = (outcome: AttemptObservation["outcome"]) => {
      this.#stats.attempts++;
      this.#stats.byOutcome[String(outcome)] = (this.#stats.byOutcome[String(outcome)] ?? 0) + 1;
      this.#options.onAttempt?.({
        endpoint: request.endpoint,
        method: request.method,
        outcome,
        durationMs: performance.now() - started,
        limiterWaitMs,
        attempt,
      });
    };

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: TransportResponse;
    const sentAt = now();
    // Deno's fetch silently sends a request again when a reused keep-alive connection closes
    // before any answer byte (measured: the simulator's reset fault, two pages dequeued, the
    // first gone). For a call that must never be repeated blind, a connection of its own.
    const connection = mayHaveActed ? freshConnection() : undefined;
    let answered = false;
    const url = this.#url(request);
    try {
      const answer = await this.#fetch(url, {
        method: request.method,
        headers: { accept: "application/json", ...request.headers },
        body: request.body,
        // A redirect is not an answer: following it could fetch from another host.
        redirect: "manual",
        signal,
        ...(connection ? { client: connection } : {}),
      } as RequestInit);
      answered = true;
      const { text, invalidUtf8 } = await readBoundedBody(answer, {
        limitBytes: request.maxResponseBytes ?? this.#options.maxResponseBytes ??
          DEFAULT_MAX_RESPONSE_BYTES,
        site,
      });
      response = {
        status: answer.status,
        headers: answer.headers,
        text,
        invalidUtf8,
        sentAt,
        receivedAt: now(),
      };
      this.#options.clock?.observeDateHeader(answer.headers.get("date"), response);
    } catch (error) {
      if (request.signal?.aborted) {
        breaker.recordNeutral();
        throw request.signal.reason;
      }
      if (error instanceof DnbResponseTooLargeError) {
        // D&B answered; the same request would bring the same body. A pull's page is gone from
        // the queue, so its outcome is unknown and replay (with fewer per response) recovers it.
        observe("too_large");
        breaker.recordSuccess();
        if (!mayHaveActed) throw error;
        return { kind: "retry", error, retryAfterMs: null, unknownOutcome: true };
      }
      if (timeout.aborted) {
        this.#stats.timeouts++;
        observe("timeout");
        breaker.recordFailure();
        return {
          kind: "retry",
          error: new DnbTimeoutError(site, timeoutMs),
          retryAfterMs: null,
          unknownOutcome: mayHaveActed,
        };
      }
      observe("network");
      breaker.recordFailure();
      return {
        kind: "retry",
        error: new DnbNetworkError(site, error, { duringBody: answered }),
        retryAfterMs: null,
        unknownOutcome: mayHaveActed,
      };
    } finally {
      connection?.close();
    }

    observe(response.status);
    const { status } = response;
    // Checked before `expect`: no caller can opt into a redirect. Deno answers a 3xx with its
    // status and Location under `redirect: "manual"`; a runtime that follows the spec strictly
    // gives an opaque redirect (status 0, no headers) instead, refused the same way.
    if (status === 0 || (status >= 300 && status < 400)) {
      // The server answered, and a misdirected base_url says nothing about D&B's health.
      breaker.recordNeutral();
      throw new DnbRedirectRefusedError(site, status, redirectTarget(response.headers, url));
    }
    if ((status >= 200 && status < 300) || request.expect?.includes(status)) {
      breaker.recordSuccess();
      return { kind: "response", response };
    }
    const details: DnbApiErrorDetails = { ...site, status, ...readErrorBody(response.text) };
    if (status === 429) {
      const askedMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      const retryAfterMs = askedMs === null
        ? null
        : Math.min(askedMs, this.#options.retryAfterMaxMs ?? DEFAULT_RETRY_AFTER_MAX_MS);
      this.#stats.rateLimited++;
      // Rate limiting says nothing about D&B's health: it must not open the breaker.
      breaker.recordNeutral();
      return {
        kind: "retry",
        error: new DnbApiError(
          { ...details, retryAfterMs, retryAfterAskedMs: askedMs },
          "rate limited; lower dnb_api.rate_limit",
        ),
        retryAfterMs,
        unknownOutcome: false,
      };
    }
    if (status >= 500) {
      breaker.recordFailure();
      return {
        kind: "retry",
        error: new DnbApiError(details),
        retryAfterMs: null,
        unknownOutcome: mayHaveActed,
      };
    }
    // A 4xx is a healthy server telling us no.
    breaker.recordSuccess();
    if (isCredentialsRefusal(request.endpoint, details)) throw new DnbCredentialsError(details);
    throw new DnbApiError(details);
  }

  #url(request: TransportRequest): string {
    const url = new URL(request.path, this.#options.baseUrl);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.href;
  }
}

/** What `dnb_api.max_response_bytes` defaults to. */
const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** What `dnb_api.retry_after_max` defaults to: 15 minutes. */
const DEFAULT_RETRY_AFTER_MAX_MS = 900_000;

/** An HTTP client that keeps no idle connection, or none where the runtime has no such API. */
function freshConnection(): Deno.HttpClient | undefined {
  if (typeof Deno.createHttpClient !== "function") return undefined;
  try {
    return Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  } catch {
    // A runtime that has the function but not the feature (a managed edge): the shared pool.
    return undefined;
  }
}

/** The host a redirect points to (a relative Location stays on the request's host). */
function redirectTarget(headers: Headers, requestUrl: string): string | null {
  const location = headers.get("location");
  if (!location) return null;
  try {
    return new URL(location, requestUrl).host || null;
  } catch {
    return null;
  }
}

function siteOf(request: TransportRequest): DnbCallSite {
  return { method: request.method, path: request.path, endpoint: request.endpoint };
}

function isCredentialsRefusal(endpoint: string, details: DnbApiErrorDetails): boolean {
  return endpoint === "token" &&
    (details.errorCode === "00041" || details.errorCode === "invalid_client" ||
      details.status === 401);
}
