import type { TokenSeal } from "./token_seal.ts";
import type { DnbApiConfig } from "../config/config.ts";
import {
  type BreakerSnapshot,
  type BreakerStateChange,
  CircuitBreaker,
} from "../resilience/circuit_breaker.ts";
import { AccountRateLimit } from "./account_rate_limit.ts";
import { AuthorizedApi } from "./authorized_api.ts";
import { DnbClock } from "./dnb_clock.ts";
import { NotificationsApi } from "./notifications_api.ts";
import { RegistrationsApi } from "./registrations_api.ts";
import { TokenProvider, type TokenStatus } from "./token.ts";
import { type AttemptObservation, DnbTransport, type TransportStats } from "./transport.ts";

/** How much larger than a pull's a recovering replay's body may be. */
const RECOVERY_RESPONSE_FACTOR = 4;

export interface DnbClientOptions {
  kv: Deno.Kv;
  /** Replaces `config.base_url`, e.g. with the in-process simulator's URL. */
  baseUrl?: string;
  fetch?: typeof fetch;
  random?: () => number;
  now?: () => number;
  onAttempt?: (observation: AttemptObservation) => void;
  onBreakerChange?: (change: BreakerStateChange) => void;
  /** How the access token is kept in KV (`sealedTokens(state.token_key)`); as it is without. */
  tokenSeal?: TokenSeal;
}

export interface DnbClientStatus {
  baseUrl: string;
  rateLimit: number;
  authentication: TokenStatus;
  transport: TransportStats;
  breaker: BreakerSnapshot;
}

/** The Direct+ client: one transport (rate limit, retry, breaker) shared by every call. */
export interface DnbClient {
  readonly registrations: RegistrationsApi;
  readonly notifications: NotificationsApi;
  readonly tokens: TokenProvider;
  readonly transport: DnbTransport;
  /** Bounds on D&B's clock, from what its answers show. */
  readonly clock: DnbClock;
  status(): DnbClientStatus;
}

export function createDnbClient(config: DnbApiConfig, options: DnbClientOptions): DnbClient {
  const baseUrl = options.baseUrl ?? config.base_url;
  const breaker = new CircuitBreaker({
    name: "dnb_api",
    failureThreshold: config.circuit_breaker.failure_threshold,
    resetTimeoutMs: config.circuit_breaker.reset_timeout * 1000,
    now: options.now,
    onStateChange: options.onBreakerChange,
  });
  const clock = new DnbClock({ now: options.now });
  const transport = new DnbTransport({
    baseUrl,
    // One budget per account, shared through KV by every process that uses this state.
    limiter: new AccountRateLimit({
      kv: options.kv,
      key: ["dnb", "rate", baseUrl, config.client_id],
      ratePerSecond: config.rate_limit,
    }),
    clock,
    now: clock.now,
    breaker,
    timeoutMs: config.timeout * 1000,
    maxRetries: config.max_retries,
    retryBaseDelayMs: config.retry_base_delay * 1000,
    retryMaxDelayMs: config.retry_max_delay * 1000,
    retryAfterMaxMs: config.retry_after_max * 1000,
    maxResponseBytes: config.max_response_bytes,
    fetch: options.fetch,
    random: options.random,
    onAttempt: options.onAttempt,
  });
  const tokens = new TokenProvider({
    transport,
    kv: options.kv,
    version: config.token_version,
    clientId: config.client_id,
    clientSecret: config.client_secret,
    refreshBufferMs: config.token_refresh_buffer * 1000,
    now: options.now,
    seal: options.tokenSeal,
  });
  const api = new AuthorizedApi(transport, tokens);
  const registrations = new RegistrationsApi(api, { family: config.subject_paths });
  return {
    registrations,
    notifications: new NotificationsApi(api, {
      clock,
      references: () => registrations.list(),
      replayMax: config.replay_max_notifications,
      // Four times the pull's limit, for recovery only: still bounded, and enough for the page
      // a pull could not take.
      recoveryResponseBytes: config.max_response_bytes * RECOVERY_RESPONSE_FACTOR,
    }),
    tokens,
    transport,
    clock,
    status: () => ({
      baseUrl,
      rateLimit: config.rate_limit,
      authentication: tokens.status(),
      transport: transport.stats(),
      breaker: breaker.snapshot(),
    }),
  };
}
