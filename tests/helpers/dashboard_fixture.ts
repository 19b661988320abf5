import type {
  CompanyData,
  DashboardData,
  NotificationView,
} from "../../src/http/dashboard_data.ts";
import type { DashboardProvider } from "../../src/http/dashboard_routes.tsx";

/** The DUNS whose company page the fixture knows. */
export const KNOWN_DUNS = "081466849";

const NOW = Date.parse("2026-11-27T12:00:00.000Z");
const HOUR = 3_600_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Known dashboard data: every count is computed from the index, so a test can recompute how many
 * bars and points the charts must have. Values include markup, quotes and long text, as D&B data
 * may.
 */
export function knownDashboard(): DashboardData {
  const hours = Array.from({ length: 48 }, (_, i) => iso(NOW - (48 - i) * HOUR));
  return {
    generatedAt: iso(NOW),
    version: "0.1.0",
    environment: "test",
    simulator: true,
    health: "degraded",
    summary: {
      state: "degraded",
      registrations: { total: 3, failing: 1 },
      sinks: { total: 3, failing: 0, degraded: 1 },
      token: "healthy",
      deadLetters: 0,
      gaps: 0,
      reasons: [],
    },
    hourly: {
      hours,
      series: [
        { type: "UPDATE", counts: hours.map((_, i) => (i % 5 === 0 ? 0 : (i % 7) + 1)) },
        { type: "SEED", counts: hours.map((_, i) => (i < 10 ? 3 : 0)) },
        { type: "DELETE", counts: hours.map((_, i) => ([10, 30, 47].includes(i) ? 1 : 0)) },
        { type: "TRANSFER", counts: hours.map(() => 0) },
      ],
    },
    sinks: [
      {
        name: "local",
        status: "healthy",
        breaker: "closed",
        lagBatches: 0,
        lagSeconds: 0,
        stored: 1234,
        errors: 0,
        lastError: null,
        history: samples(12, (i) => ({ lagBatches: i % 3, errors: 0 })),
      },
      {
        name: "sql",
        status: "degraded",
        breaker: "half_open",
        lagBatches: 4,
        lagSeconds: 95,
        stored: 1180,
        errors: 3,
        lastError: "connection refused <db:5432>",
        history: samples(8, (i) => ({ lagBatches: i, errors: i === 5 ? 2 : i === 6 ? 1 : 0 })),
      },
      {
        name: "sftp",
        status: "failing",
        breaker: "open",
        lagBatches: 9,
        lagSeconds: 600,
        stored: 900,
        errors: 12,
        lastError: "host key mismatch",
        history: samples(5, (i) => ({ lagBatches: i * 2, errors: i })),
      },
    ],
    api: {
      breaker: "closed",
      rateLimit: 5,
      requests: 4321,
      rateLimited: 7,
      errors: 2,
      history: Array.from({ length: 20 }, (_, i) => ({
        at: iso(NOW - (20 - i) * 60_000),
        requests: 10 + (i % 4) * 3,
        rateLimited: i % 6 === 0 ? 2 : 0,
        errors: i === 13 ? 1 : 0,
      })),
    },
    registrations: [
      {
        reference: "TRACEONE_DEMO_SUPPLIERS",
        lastTick: iso(NOW - 45_000),
        lastOutcome: "pulled",
        lastPullCount: 12,
        lastError: null,
      },
      {
        reference: "TRACEONE_DEMO_CUSTOMERS",
        lastTick: iso(NOW - 7 * 60_000),
        lastOutcome: "failed",
        lastPullCount: 0,
        lastError: "429 Too Many Requests",
      },
      {
        reference: "NEW_REGISTRATION",
        lastTick: null,
        lastOutcome: null,
        lastPullCount: null,
        lastError: null,
      },
    ],
    latest: [
      {
        id: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        type: "UPDATE",
        duns: KNOWN_DUNS,
        registration: "TRACEONE_DEMO_SUPPLIERS",
        deliveryTimestamp: iso(NOW - 120_000),
        elements: [
          change("organization.primaryName", '"Gorman Manufacturing"', '"Gorman Mfg <Ltd> & Co"'),
          change("organization.numberOfEmployees", "120", "135"),
          change("organization.website", null, '"https://gorman.example"'),
          change("organization.fax", '"+1 555 0100"', "null"),
          change(
            "organization.primaryAddress",
            '{"city":"Austin","postalCode":"78701"}',
            '{"city":"Dallas","postalCode":"75201"}',
          ),
          change("organization.tradeStyleNames", '["Gorman"]', '["Gorman","GMC"]'),
          change("organization.description", '"short"', JSON.stringify("x".repeat(300))),
          change("organization.comment", '"<script>alert(1)</script>"', '"ok"'),
        ],
      },
      {
        id: "00ff00ff00ff00ff00ff00ff00ff00ff",
        type: "DELETE",
        duns: "804735132",
        registration: "TRACEONE_DEMO_CUSTOMERS",
        deliveryTimestamp: iso(NOW - 3 * 3_600_000),
        elements: [],
      },
      {
        id: "1234567890abcdef1234567890abcdef",
        type: "SEED",
        duns: "123456789",
        registration: "TRACEONE_DEMO_CUSTOMERS",
        deliveryTimestamp: iso(NOW - 26 * 3_600_000),
        elements: [change("organization.primaryName", null, '"Seed Company"')],
      },
    ],
  };
}

/** The known company page: three notifications of `KNOWN_DUNS`, newest first. */
export function knownCompany(duns: string): CompanyData {
  if (duns !== KNOWN_DUNS) return { duns, simulator: true, notifications: [] };
  const notifications: NotificationView[] = [
    {
      id: "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0",
      type: "UPDATE",
      duns,
      registration: "TRACEONE_DEMO_SUPPLIERS",
      deliveryTimestamp: iso(NOW - 120_000),
      elements: [
        change("organization.primaryName", '"Gorman Manufacturing"', '"Gorman Mfg <Ltd> & Co"'),
        change("organization.numberOfEmployees", "120", "135"),
      ],
    },
    {
      id: "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0",
      type: "UNDER_REVIEW",
      duns,
      registration: "TRACEONE_DEMO_SUPPLIERS",
      deliveryTimestamp: iso(NOW - 5 * 86_400_000),
      elements: [],
    },
    {
      id: "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
      type: "SEED",
      duns,
      registration: "TRACEONE_DEMO_SUPPLIERS",
      deliveryTimestamp: iso(NOW - 9 * 86_400_000),
      elements: [
        change("organization.primaryName", null, '"Gorman Manufacturing"'),
        change("organization.primaryAddress.addressLocality.name", null, '"Austin"'),
      ],
    },
  ];
  return { duns, simulator: true, notifications };
}

/**
 * A provider over the known data that a test can change (to see the page refresh) and that
 * records the DUNS it was asked for.
 */
export class FixtureProvider implements DashboardProvider {
  data: DashboardData = knownDashboard();
  asked: string[] = [];
  failing = false;

  dashboard(): Promise<DashboardData> {
    if (this.failing) return Promise.reject(new Error("database is down"));
    return Promise.resolve(structuredClone(this.data));
  }

  company(duns: string): Promise<CompanyData> {
    this.asked.push(duns);
    if (this.failing) return Promise.reject(new Error("database is down"));
    return Promise.resolve(knownCompany(duns));
  }
}

/** Expected bar count of the hourly chart: one bar segment per non-zero count. */
export function expectedBars(data: DashboardData): number {
  return data.hourly.series.reduce((sum, s) => sum + s.counts.filter((n) => n > 0).length, 0);
}

function samples(count: number, values: (i: number) => { lagBatches: number; errors: number }) {
  return Array.from({ length: count }, (_, i) => ({
    at: iso(NOW - (count - i) * 5 * 60_000),
    ...values(i),
  }));
}

function change(element: string, previous: string | null, current: string | null) {
  return { element, previous, current, timestamp: iso(NOW - 10 * 60_000) };
}
