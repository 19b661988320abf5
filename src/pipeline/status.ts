import type {
  HealthState,
  HealthSummary,
  HealthThresholds,
  PipelineStatus,
  Readiness,
  RegistrationState,
  SinkState,
  SubjectChangeState,
} from "../model/status.ts";

/** A Retry-After shorter than this is ordinary pacing, not a registration parked. */
const PARKED_AFTER_SECONDS = 60;

/** `/status` as the original service shaped it: flat snake_case keys, one key per sink. */
export interface StatusJson {
  service: {
    running: boolean;
    environment: string;
    version: string;
    uptime_seconds: number;
    simulator: boolean;
  };
  authentication: {
    is_authenticated: boolean;
    token_expires_in: number | null;
    last_error: string | null;
    warning: string | null;
    last_rejection: string | null;
  };
  api_client: {
    health_check: boolean;
    rate_limit: number;
    breaker: string;
    requests: number;
    errors: number;
    rate_limited: number;
    retries: number;
  };
  registrations: {
    total_count: number;
    active_count: number;
    source: "config" | "account";
    last_listed_at: string | null;
    last_list_error: string | null;
    items: RegistrationJson[];
  };
  notification_handlers: { count: number };
  journal: {
    batches: number;
    notifications: number;
    oldest_batch_at: string | null;
    oldest_undelivered_at: string | null;
  };
  dead_letters: Record<string, number>;
  /** The latest changes to registrations' subjects (`registrations add/remove/sync`). */
  subject_changes: SubjectChangeState[];
  [sink: string]: unknown;
}

export interface RegistrationJson {
  reference: string;
  active: boolean;
  last_tick: string | null;
  last_outcome: string | null;
  last_pull_count: number | null;
  backlog_estimate: number | string | null;
  last_error: string | null;
  failing_since: string | null;
  failed_ticks: number;
  last_lost_responses: number | null;
  rate_limited_until: string | null;
  replay_gap: PipelineStatus["registrations"][number]["gap"];
}

export interface SinkJson {
  enabled: true;
  status: HealthState;
  stored: number;
  bytes: number;
  errors: number;
  last_write_at: string | null;
  lag_batches: number;
  lag_seconds: number;
  breaker: string;
  failing_since: string | null;
  last_error: string | null;
  dead_lettered: number;
}

/** The model as `/status` prints it. */
export function statusJson(status: PipelineStatus): StatusJson {
  const json: StatusJson = {
    service: {
      running: status.service.running,
      environment: status.service.environment,
      version: status.service.version,
      uptime_seconds: status.service.uptimeSeconds,
      simulator: status.service.simulator,
    },
    authentication: {
      is_authenticated: status.authentication.isAuthenticated,
      token_expires_in: status.authentication.tokenExpiresIn,
      last_error: status.authentication.lastError,
      warning: status.authentication.warning,
      last_rejection: status.authentication.lastRejection,
    },
    api_client: {
      health_check: status.api.breaker === "closed",
      rate_limit: status.api.rateLimit,
      breaker: status.api.breaker,
      requests: status.api.requests,
      errors: status.api.errors,
      rate_limited: status.api.rateLimited,
      retries: status.api.retries,
    },
    registrations: {
      total_count: status.registrations.length,
      active_count: status.registrations.filter((r) => r.active).length,
      source: status.registrationList.source,
      last_listed_at: status.registrationList.lastListedAt,
      last_list_error: status.registrationList.lastError,
      items: status.registrations.map(registrationJson),
    },
    notification_handlers: { count: status.sinks.filter((s) => s.handler).length },
    journal: {
      batches: status.journal.batches,
      notifications: status.journal.notifications,
      oldest_batch_at: status.journal.oldestBatchAt,
      oldest_undelivered_at: status.journal.oldestUndeliveredAt,
    },
    dead_letters: status.deadLetters,
    subject_changes: status.subjectChanges,
  };
  for (const sink of status.sinks) json[sink.name] = sinkJson(sink);
  return json;
}

/** The keys of `/status` that are not sinks: what a reader skips to find the sinks. */
export const STATUS_SECTIONS: readonly string[] = [
  "service",
  "authentication",
  "api_client",
  "registrations",
  "notification_handlers",
  "journal",
  "dead_letters",
  "subject_changes",
  // Added by the composition root (src/cli/service_session.ts) from the alerts sink.
  "alert_rules",
];

function registrationJson(registration: RegistrationState): RegistrationJson {
  return {
    reference: registration.reference,
    active: registration.active,
    last_tick: registration.lastTick,
    last_outcome: registration.lastOutcome,
    last_pull_count: registration.lastPullCount,
    backlog_estimate: registration.backlogEstimate,
    last_error: registration.lastError,
    failing_since: registration.failingSince,
    failed_ticks: registration.failedTicks,
    last_lost_responses: registration.lastLostResponses,
    rate_limited_until: registration.rateLimitedUntil,
    replay_gap: registration.gap,
  };
}

function sinkJson(sink: SinkState): SinkJson {
  return {
    enabled: true,
    status: sink.status,
    stored: sink.stored,
    bytes: sink.bytes,
    errors: sink.errors,
    last_write_at: sink.lastWriteAt,
    lag_batches: sink.lagBatches,
    lag_seconds: sink.lagSeconds,
    breaker: sink.breaker,
    failing_since: sink.failingSince,
    last_error: sink.lastError,
    dead_lettered: sink.deadLettered,
  };
}

/**
 * What keeps the service from being ready, one line each: a registration failing every tick
 * for longer than `registrationFailure`, one parked by Retry-After, a sink failing for longer
 * than `sinkFailure`, a token that cannot be had or renewed.
 */
export function readinessReasons(
  status: PipelineStatus,
  options: { thresholds: HealthThresholds; nowMs: number },
): string[] {
  const { thresholds, nowMs } = options;
  const reasons: string[] = [];
  const auth = status.authentication;
  // Names and times only: /readyz is open to anyone who reaches the port, and what servers
  // said (hosts, users, echoed text) stays behind the token in /status.
  if (auth.lastError !== null && !auth.isAuthenticated) {
    reasons.push("D&B authentication failed (authentication.last_error in /status)");
  } else if (auth.warning !== null) {
    reasons.push("D&B token cannot be renewed (authentication.warning in /status)");
  }
  for (const registration of status.registrations) {
    const failing = secondsSince(registration.failingSince, nowMs);
    if (failing !== null && failing >= thresholds.registrationFailure) {
      reasons.push(
        `registration ${JSON.stringify(registration.reference)} has failed every tick for ` +
          `${failing} s (${registration.failedTicks} tick(s) since ${registration.failingSince})`,
      );
    }
    const parked = registration.rateLimitedUntil === null
      ? 0
      : (Date.parse(registration.rateLimitedUntil) - nowMs) / 1000;
    if (parked >= PARKED_AFTER_SECONDS) {
      reasons.push(
        `registration ${JSON.stringify(registration.reference)} is parked by D&B's ` +
          `Retry-After until ${registration.rateLimitedUntil}`,
      );
    }
  }
  for (const sink of status.sinks) {
    const failing = secondsSince(sink.failingSince, nowMs);
    if (failing !== null && failing >= thresholds.sinkFailure) {
      reasons.push(
        `${sink.name} has been failing for ${failing} s (since ${sink.failingSince})`,
      );
    }
  }
  return reasons;
}

/** The model's readiness; `extra` are problems found outside it (state store unreadable). */
export function readinessOf(
  status: PipelineStatus,
  options: { thresholds: HealthThresholds; nowMs: number; extra?: string[] },
): Readiness {
  const reasons = [...(options.extra ?? []), ...readinessReasons(status, options)];
  return { ready: reasons.length === 0, reasons };
}

/**
 * The dashboard's health card. Failing when `/readyz` would say not ready; degraded while
 * something is wrong but inside its threshold (a registration failing, a sink erring, dead
 * letters or gaps to look at, a token warning); healthy otherwise.
 */
export function healthSummary(
  status: PipelineStatus,
  options: { thresholds: HealthThresholds; nowMs: number },
): HealthSummary {
  const reasons = readinessReasons(status, options);
  const failingRegistrations = status.registrations.filter((r) => r.failingSince !== null);
  const sinks = status.sinks.filter((s) => !s.handler);
  const failingSinks = sinks.filter((s) => s.status === "failing");
  const degradedSinks = sinks.filter((s) => s.status === "degraded");
  const deadLetters = Object.values(status.deadLetters).reduce((n, count) => n + count, 0);
  const gaps = status.registrations.filter((r) => r.gap !== null).length;
  const auth = status.authentication;
  const token: HealthState = auth.lastError !== null && !auth.isAuthenticated
    ? "failing"
    : auth.warning !== null
    ? "degraded"
    : "healthy";
  const troubled = failingRegistrations.length > 0 || failingSinks.length > 0 ||
    degradedSinks.length > 0 || deadLetters > 0 || gaps > 0 || token !== "healthy" ||
    status.api.breaker !== "closed";
  return {
    state: reasons.length > 0 ? "failing" : troubled ? "degraded" : "healthy",
    registrations: { total: status.registrations.length, failing: failingRegistrations.length },
    sinks: { total: sinks.length, failing: failingSinks.length, degraded: degradedSinks.length },
    token,
    deadLetters,
    gaps,
    reasons,
  };
}

function secondsSince(iso: string | null, nowMs: number): number | null {
  return iso === null ? null : Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
}
