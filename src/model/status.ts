/**
 * The one status model of a running service (issue: one status model the operator can trust).
 * `/status`, `/readyz`, the dashboard, `cli status` and `/metrics` are all derived from it, so
 * they cannot disagree. Plain data: times are UTC ISO-8601 strings, durations seconds.
 */

export type HealthState = "healthy" | "degraded" | "failing";
export type BreakerPosition = "closed" | "open" | "half_open";

/** A stretch of notifications that replay can no longer reach. */
export interface GapView {
  from: string;
  to: string;
  message: string;
  /** Journaled notifications of that stretch that replay could not reach (a lower bound). */
  unreachable?: number;
}

export interface RegistrationState {
  reference: string;
  /** Monitored in the background by this process now. */
  active: boolean;
  lastTick: string | null;
  lastOutcome: string | null;
  lastPullCount: number | null;
  /** 0 after a drained tick; "more than one tick" after one that stopped at its cap. */
  backlogEstimate: number | string | null;
  lastError: string | null;
  /** Since when every tick has failed; null while ticks succeed. */
  failingSince: string | null;
  /** Ticks failed in a row. */
  failedTicks: number;
  lastLostResponses: number | null;
  /** Parked by a 429's Retry-After until then. */
  rateLimitedUntil: string | null;
  gap: GapView | null;
}

export interface SinkState {
  name: string;
  /** A notification handler added by code rather than a configured destination. */
  handler: boolean;
  status: HealthState;
  /** Notifications stored since start. */
  stored: number;
  bytes: number;
  errors: number;
  lastWriteAt: string | null;
  lagBatches: number;
  lagSeconds: number;
  breaker: BreakerPosition;
  failingSince: string | null;
  consecutiveFailures: number;
  lastError: string | null;
  deadLettered: number;
}

export interface AuthenticationState {
  isAuthenticated: boolean;
  tokenExpiresIn: number | null;
  lastError: string | null;
  /** Renewal failing while the cached token still works. */
  warning: string | null;
  /** The 401 that made the last early renewal (00040 expired, 00004 refused, …). */
  lastRejection: string | null;
}

export interface ApiState {
  breaker: BreakerPosition;
  rateLimit: number;
  requests: number;
  errors: number;
  rateLimited: number;
  retries: number;
}

export interface JournalState {
  batches: number;
  notifications: number;
  oldestBatchAt: string | null;
  oldestUndeliveredAt: string | null;
}

export interface PipelineStatus {
  generatedAt: string;
  service: {
    running: boolean;
    environment: string;
    version: string;
    uptimeSeconds: number;
    simulator: boolean;
  };
  authentication: AuthenticationState;
  api: ApiState;
  /** Where the monitored references come from, and when the account's list was last read. */
  registrationList: {
    source: "config" | "account";
    lastListedAt: string | null;
    lastError: string | null;
  };
  registrations: RegistrationState[];
  sinks: SinkState[];
  journal: JournalState;
  /** Dead letters per sink (`validation` for notifications that failed validation). */
  deadLetters: Record<string, number>;
  /** The latest changes this service made to registrations' subjects, newest first. */
  subjectChanges: SubjectChangeState[];
}

/** One request batch of `registrations add/remove/sync`, from the audit log. */
export interface SubjectChangeState {
  at: string;
  registration: string;
  /** `sync`: a whole sync that was refused (removal limit, invalid lines), nothing sent. */
  action: "add" | "remove" | "sync";
  source: string;
  count: number;
  /** The first few DUNS of the batch. */
  sample: string[];
  outcome: "ok" | "failed";
  detail: string | null;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** How long a failure may last before the service stops calling itself ready, in seconds. */
export interface HealthThresholds {
  registrationFailure: number;
  sinkFailure: number;
}

/** The dashboard's health card: the overall state and what it counts. */
export interface HealthSummary {
  state: HealthState;
  registrations: { total: number; failing: number };
  sinks: { total: number; failing: number; degraded: number };
  token: HealthState;
  deadLetters: number;
  gaps: number;
  /** One line per problem, the same as `/readyz` gives. */
  reasons: string[];
}
