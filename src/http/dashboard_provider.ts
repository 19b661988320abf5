import type { ChangeRow, NotificationStore } from "../model/notification_store.ts";
import type { HealthThresholds, PipelineStatus } from "../model/status.ts";
import { type ApiPoint, healthSummary, type SinkPoint } from "../pipeline/mod.ts";
import type {
  CompanyData,
  DashboardData,
  HourlyCounts,
  NotificationView,
  RegistrationView,
  SinkView,
} from "./dashboard_data.ts";

const HOURS = 48;
const HOUR_MS = 3_600_000;

/** Gathers what the dashboard shows from the running service and the SQL sink's database. */
export interface DashboardSource {
  dashboard(): Promise<DashboardData>;
  company(duns: string): Promise<CompanyData>;
}

/** What the dashboard reads of the running pipeline: its status model and sampled history. */
export interface PipelineView {
  status(): Promise<PipelineStatus>;
  readonly thresholds: HealthThresholds;
  apiHistory(): ApiPoint[];
  sinkHistory(name: string): SinkPoint[];
}

export function createDashboardSource(options: {
  pipeline: PipelineView;
  /** What the SQL sink stored; without it the charts and timelines stay empty. */
  store: NotificationStore | null;
  now?: () => number;
}): DashboardSource {
  const { pipeline, store } = options;
  const now = options.now ?? Date.now;
  return {
    async dashboard(): Promise<DashboardData> {
      const status = await pipeline.status();
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
      const health = healthSummary(status, { thresholds: pipeline.thresholds, nowMs: now() });
      return {
        generatedAt: new Date(now()).toISOString(),
        version: status.service.version,
        environment: status.service.environment,
        simulator: status.service.simulator,
        health: health.state,
        summary: health,
        hourly: store ? await hourly(store, now()) : emptyHours(now()),
        sinks: sinkViews,
        api: {
          breaker: status.api.breaker,
          rateLimit: status.api.rateLimit,
          requests: status.api.requests,
          rateLimited: status.api.rateLimited,
          errors: status.api.errors,
          history: pipeline.apiHistory(),
        },
        registrations: status.registrations.map((r): RegistrationView => ({
          reference: r.reference,
          lastTick: r.lastTick,
          lastOutcome: r.lastOutcome,
          lastPullCount: r.lastPullCount,
          lastError: r.lastError,
        })),
        latest: store ? group(await store.recent({ limit: 20 })) : [],
      };
    },
    async company(duns: string): Promise<CompanyData> {
      const status = await pipeline.status();
      return {
        duns,
        simulator: status.service.simulator,
        notifications: store ? group(await store.history(duns, { limit: 2_000 })) : [],
      };
    },
  };
}

async function hourly(store: NotificationStore, nowMs: number): Promise<HourlyCounts> {
  const empty = emptyHours(nowMs);
  const rows = await store.hourlyCounts({ since: new Date(empty.hours[0]) });
  const index = new Map(empty.hours.map((hour, i) => [hour.slice(0, 13), i]));
  const series = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get(row.hour);
    if (i === undefined) continue;
    const counts = series.get(row.type) ?? new Array(HOURS).fill(0);
    counts[i] += row.count;
    series.set(row.type, counts);
  }
  return {
    hours: empty.hours,
    series: [...series.entries()].sort(([a], [b]) => a.localeCompare(b))
      .map(([type, counts]) => ({ type, counts })),
  };
}

function emptyHours(nowMs: number): HourlyCounts {
  const current = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const hours = Array.from(
    { length: HOURS },
    (_, i) => new Date(current - (HOURS - 1 - i) * HOUR_MS).toISOString(),
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
