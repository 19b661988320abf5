import type { Database } from "../db/database.ts";
import { type ChangeRow, dunsHistory, hourlyCounts, recentChanges } from "../db/queries.ts";
import type { MonitoringService } from "../pipeline/service.ts";
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

export function createDashboardSource(options: {
  service: MonitoringService;
  /** The SQL sink's database; without one the charts and timelines stay empty. */
  database: Database | null;
  now?: () => number;
}): DashboardSource {
  const { service, database } = options;
  const now = options.now ?? Date.now;
  return {
    async dashboard(): Promise<DashboardData> {
      const status = await service.getServiceStatus();
      const sinks = await service.dispatcher.status();
      const sinkViews: SinkView[] = sinks.map((sink) => ({
        name: sink.name,
        status: sink.breaker.state === "open" ? "failing" : sink.health.status,
        breaker: sink.breaker.state,
        lagBatches: sink.lagBatches,
        lagSeconds: Math.round(sink.lagSeconds),
        stored: sink.health.stored,
        errors: sink.health.errors,
        lastError: sink.lastError,
        history: service.history.sink(sink.name),
      }));
      const api = status.api_client;
      const registrations = status.registrations.items as {
        reference: string;
        last_tick: string | null;
        last_outcome: string | null;
        last_pull_count: number | null;
        last_error: string | null;
      }[];
      const statuses = [
        ...sinkViews.map((s) => s.status),
        api.breaker === "open" ? "failing" : "healthy",
      ];
      return {
        generatedAt: new Date(now()).toISOString(),
        version: status.service.version,
        environment: status.service.environment,
        simulator: status.service.simulator,
        health: statuses.includes("failing")
          ? "failing"
          : statuses.includes("degraded")
          ? "degraded"
          : "healthy",
        hourly: database ? await hourly(database, now()) : emptyHours(now()),
        sinks: sinkViews,
        api: {
          breaker: api.breaker as SinkView["breaker"],
          rateLimit: api.rate_limit,
          requests: api.requests,
          rateLimited: api.rate_limited,
          errors: api.errors,
          history: service.history.api(),
        },
        registrations: registrations.map((r): RegistrationView => ({
          reference: r.reference,
          lastTick: r.last_tick,
          lastOutcome: r.last_outcome,
          lastPullCount: r.last_pull_count,
          lastError: r.last_error,
        })),
        latest: database ? group(await recentChanges(database.db, { limit: 20 })) : [],
      };
    },
    async company(duns: string): Promise<CompanyData> {
      const status = await service.getServiceStatus();
      return {
        duns,
        simulator: status.service.simulator,
        notifications: database
          ? group(await dunsHistory(database.db, duns, { limit: 2_000 }))
          : [],
      };
    },
  };
}

async function hourly(database: Database, nowMs: number): Promise<HourlyCounts> {
  const empty = emptyHours(nowMs);
  const rows = await hourlyCounts(database.db, { since: new Date(empty.hours[0]) });
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
