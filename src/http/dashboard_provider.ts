import type { AlertRuleStatus } from "../model/alert_status.ts";
import type { ChangeRow, CompanyState, NotificationStore } from "../model/notification_store.ts";
import type { HealthThresholds, PipelineStatus } from "../model/status.ts";
import {
  type ApiPoint,
  type DeadLetterSummary,
  healthSummary,
  type RetryOutcome,
  type SinkPoint,
} from "../pipeline/mod.ts";
import type {
  CompanyData,
  CompanyStateView,
  DashboardData,
  DashboardProvider,
  DashboardQuery,
  DeadLetterActionResult,
  DeadLetterData,
  DeadLetterView,
  HourlyCounts,
  NotificationView,
  RegistrationView,
  SinkView,
} from "./dashboard_data.ts";

const HOUR_MS = 3_600_000;
/** The service samples its history every 30 s unless told otherwise. */
const DEFAULT_SAMPLE_SECONDS = 30;
/** Dead letters listed on the dashboard; the per-sink counts cover all of them. */
const DEAD_LETTERS_SHOWN = 20;

/** Gathers what the dashboard shows from the running service and the SQL sink's database. */
export type DashboardSource = DashboardProvider;

/** What the dashboard reads of the running pipeline, and the dead-letter actions it sends. */
export interface PipelineView {
  status(): Promise<PipelineStatus>;
  readonly thresholds: HealthThresholds;
  apiHistory(): ApiPoint[];
  sinkHistory(name: string): SinkPoint[];
  /** The latest dead letters, newest first. */
  listDeadLetters(options: { limit: number }): Promise<DeadLetterSummary[]>;
  /** One dead letter by key (`<sink>/<notification id>`), raw JSON included, or null. */
  readDeadLetter(key: string): Promise<(DeadLetterSummary & { raw: string }) | null>;
  retryDeadLetter(letter: DeadLetterSummary): Promise<RetryOutcome>;
  discardDeadLetter(letter: DeadLetterSummary): Promise<void>;
  /** p95 of D&B request durations since start, in seconds; optional for views without metrics. */
  requestP95Seconds?(): Promise<number | null>;
}

export function createDashboardSource(options: {
  pipeline: PipelineView;
  /** What the SQL sink stored; without it the charts and timelines stay empty. */
  store: NotificationStore | null;
  now?: () => number;
  /** The service's history interval, used until two samples show the real one. */
  sampleSeconds?: number;
  /** The alert rules' state (the alerts sink's), when there are rules. */
  alerts?: (() => AlertRuleStatus[]) | null;
}): DashboardSource {
  const { pipeline, store } = options;
  const now = options.now ?? Date.now;
  return {
    async dashboard(query: DashboardQuery = { hours: 48 }): Promise<DashboardData> {
      const status = await pipeline.status();
      const nowMs = now();
      const sinkViews: SinkView[] = status.sinks.map((sink) => ({
        name: sink.name,
        status: sink.status,
        breaker: sink.breaker,
        lagBatches: sink.lagBatches,
        lagSeconds: sink.lagSeconds,
        stored: sink.stored,
        errors: sink.errors,
        lastError: sink.lastError,
        history: pipeline.sinkHistory(sink.name),
      }));
      const apiHistory = pipeline.apiHistory();
      const latestLetters = await pipeline.listDeadLetters({ limit: DEAD_LETTERS_SHOWN });
      return {
        generatedAt: new Date(nowMs).toISOString(),
        version: status.service.version,
        environment: status.service.environment,
        simulator: status.service.simulator,
        summary: healthSummary(status, { thresholds: pipeline.thresholds, nowMs }),
        hourly: store
          ? await hourly(store, { nowMs, hours: query.hours })
          : emptyHours(nowMs, query.hours),
        sampleSeconds: sampleInterval(
          apiHistory.map((p) => p.at),
          options.sampleSeconds ?? DEFAULT_SAMPLE_SECONDS,
        ),
        sinks: sinkViews,
        api: {
          breaker: status.api.breaker,
          rateLimit: status.api.rateLimit,
          requests: status.api.requests,
          rateLimited: status.api.rateLimited,
          errors: status.api.errors,
          p95LatencyMs: await p95Ms(pipeline),
          history: apiHistory,
        },
        registrations: status.registrations.map((r): RegistrationView => ({
          reference: r.reference,
          lastTick: r.lastTick,
          lastOutcome: r.lastOutcome,
          lastPullCount: r.lastPullCount,
          lastError: r.lastError,
          failingSince: r.failingSince,
          failedTicks: r.failedTicks,
        })),
        deadLetters: {
          total: Object.values(status.deadLetters).reduce((n, count) => n + count, 0),
          bySink: Object.entries(status.deadLetters)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([sink, count]) => ({ sink, count })),
          latest: latestLetters.map(letterView),
        },
        gaps: status.registrations.flatMap((r) =>
          r.gap === null ? [] : [{
            registration: r.reference,
            from: r.gap.from,
            to: r.gap.to,
            message: r.gap.message,
            unreachable: r.gap.unreachable ?? null,
          }]
        ),
        journal: status.journal,
        latest: store ? group(await store.recent({ limit: 20 })) : [],
        alerts: options.alerts?.() ?? [],
        subjectChanges: status.subjectChanges,
      };
    },
    async company(duns: string): Promise<CompanyData> {
      const status = await pipeline.status();
      const state = await store?.currentState?.(duns) ?? null;
      return {
        duns,
        simulator: status.service.simulator,
        notifications: store ? group(await store.history(duns, { limit: 2_000 })) : [],
        state: state === null ? null : stateView(state),
      };
    },
    async deadLetter(key: string): Promise<DeadLetterData> {
      const [status, letter] = await Promise.all([pipeline.status(), pipeline.readDeadLetter(key)]);
      return {
        simulator: status.service.simulator,
        letter: letter
          ? { ...letterView(letter), raw: letter.raw, batchSequence: letter.batchSequence }
          : null,
      };
    },
    async retryDeadLetter(key: string): Promise<DeadLetterActionResult> {
      const letter = await pipeline.readDeadLetter(key);
      if (!letter) return gone(key);
      const { raw: _raw, ...summary } = letter;
      const outcome = await pipeline.retryDeadLetter(summary);
      return { found: true, ok: outcome.ok, message: outcome.message };
    },
    async discardDeadLetter(key: string): Promise<DeadLetterActionResult> {
      const letter = await pipeline.readDeadLetter(key);
      if (!letter) return gone(key);
      const { raw: _raw, ...summary } = letter;
      await pipeline.discardDeadLetter(summary);
      return { found: true, ok: true, message: `discarded ${key} for good` };
    },
  };
}

function stateView(state: CompanyState): CompanyStateView {
  return {
    status: state.status,
    statusChangedAt: state.status_changed_at,
    lastDeliveryTimestamp: state.last_delivery_timestamp,
    values: state.values.map((value) => ({
      path: value.element_path,
      json: value.value_json,
      changedAt: value.changed_at,
      notificationId: value.notification_id,
    })),
  };
}

function gone(key: string): DeadLetterActionResult {
  return {
    found: false,
    ok: false,
    message: `no dead letter ${key}: retried or removed meanwhile`,
  };
}

function letterView(letter: DeadLetterSummary): DeadLetterView {
  return {
    key: letter.key,
    sink: letter.sink,
    registration: letter.registration,
    notificationId: letter.notificationId,
    reason: letter.reason,
    at: letter.at,
    rawBytes: letter.rawBytes,
  };
}

/**
 * The seconds between samples as the history shows them (the median gap, so one late sample
 * does not change it), else the configured interval.
 */
export function sampleInterval(times: string[], fallback: number): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = (Date.parse(times[i]) - Date.parse(times[i - 1])) / 1000;
    if (Number.isFinite(gap) && gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return fallback;
  gaps.sort((a, b) => a - b);
  return Math.round(gaps[Math.floor(gaps.length / 2)] * 10) / 10;
}

async function hourly(
  store: NotificationStore,
  options: { nowMs: number; hours: number },
): Promise<HourlyCounts> {
  const empty = emptyHours(options.nowMs, options.hours);
  const rows = await store.hourlyCounts({ since: new Date(empty.hours[0]) });
  const index = new Map(empty.hours.map((hour, i) => [hour.slice(0, 13), i]));
  const series = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get(row.hour);
    if (i === undefined) continue;
    const counts = series.get(row.type) ?? new Array(options.hours).fill(0);
    counts[i] += row.count;
    series.set(row.type, counts);
  }
  return {
    hours: empty.hours,
    series: [...series.entries()].sort(([a], [b]) => a.localeCompare(b))
      .map(([type, counts]) => ({ type, counts })),
  };
}

/** `count` hour starts ending with the current hour. */
function emptyHours(nowMs: number, count: number): HourlyCounts {
  const current = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const hours = Array.from(
    { length: count },
    (_, i) => new Date(current - (count - 1 - i) * HOUR_MS).toISOString(),
  );
  return { hours, series: [] };
}

/** Rows (one per changed element) back into notifications, keeping their order. */
function group(rows: ChangeRow[]): NotificationView[] {
  const byId = new Map<string, NotificationView>();
  for (const row of rows) {
    let view = byId.get(row.notification_id);
    if (!view) {
      view = {
        id: row.notification_id,
        type: row.type,
        duns: row.duns,
        registration: row.registration,
        deliveryTimestamp: row.delivery_timestamp,
        elements: [],
      };
      byId.set(row.notification_id, view);
    }
    if (row.element !== null) {
      view.elements.push({
        element: row.element,
        previous: row.previous_json,
        current: row.current_json,
        timestamp: row.change_timestamp,
      });
    }
  }
  return [...byId.values()];
}

async function p95Ms(pipeline: PipelineView): Promise<number | null> {
  const seconds = await pipeline.requestP95Seconds?.() ?? null;
  return seconds === null ? null : Math.round(seconds * 1000);
}
