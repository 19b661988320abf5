import type {
  CompanyData,
  DashboardData,
  DashboardQuery,
  DeadLetterActionResult,
  DeadLetterData,
  DeadLetterDetail,
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

/** A registration's error as it may come: a status line, then a wall of detail. */
export const WALL_OF_ERROR = "429 Too Many Requests <from gateway> & retry later\n" +
  `${"at pull (dnb/notifications_api.ts:103) ".repeat(12)}\n` +
  `body: ${JSON.stringify({ error: { errorCode: "00047", errorMessage: "x".repeat(200) } })}`;

/** Dead letters whose fields carry markup, as a hostile or broken payload might. */
export const HOSTILE_REASON = 'organization.duns: expected a 9-digit string, got "<img src=x ' +
  'onerror=alert(1)>"' + "\nat validate (notification_page.ts:88)";
export const HOSTILE_REGISTRATION = '"><script>alert(2)</script>';
export const HOSTILE_RAW = '{"type":"UPDATE","organization":{"duns":"</pre><script>alert(3)' +
  '</script>"},"n":12345678901234567890}';

export const FAILING_REASON =
  'registration "TRACEONE_DEMO_CUSTOMERS" has failed every tick for 420 s ' +
  "(14 tick(s) since 2026-11-27T11:53:00.000Z): 429 Too Many Requests <from gateway> & retry later";

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
    summary: {
      state: "failing",
      registrations: { total: 3, failing: 1 },
      sinks: { total: 3, failing: 1, degraded: 1 },
      token: "healthy",
      deadLetters: 3,
      gaps: 1,
      reasons: [
        FAILING_REASON,
        "sftp has been failing for 600 s (since 2026-11-27T11:50:00.000Z)",
      ],
    },
    sampleSeconds: 30,
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
      p95LatencyMs: 182,
      history: Array.from({ length: 20 }, (_, i) => ({
        at: iso(NOW - (20 - i) * 30_000),
        requests: 10 + (i % 4) * 3,
        rateLimited: i % 6 === 0 ? 2 : 0,
        errors: i === 13 ? 1 : 0,
      })),
    },
    registrations: [
      {
        reference: "TRACEONE_DEMO_SUPPLIERS",
        lastTick: iso(NOW - 45_000),
        lastOutcome: "lease_held",
        lastPullCount: 12,
        lastError: null,
        failingSince: null,
        failedTicks: 0,
      },
      {
        reference: "TRACEONE_DEMO_CUSTOMERS",
        lastTick: iso(NOW - 7 * 60_000),
        lastOutcome: "failed",
        lastPullCount: 0,
        lastError: WALL_OF_ERROR,
        failingSince: iso(NOW - 7 * 60_000),
        failedTicks: 14,
      },
      {
        reference: "NEW_REGISTRATION",
        lastTick: null,
        lastOutcome: null,
        lastPullCount: null,
        lastError: null,
        failingSince: null,
        failedTicks: 0,
      },
    ],
    deadLetters: {
      total: 3,
      bySink: [{ sink: "sql", count: 1 }, { sink: "validation", count: 2 }],
      latest: KNOWN_LETTERS.map(({ raw: _raw, batchSequence: _seq, ...view }) => view),
    },
    gaps: [{
      registration: "TRACEONE_DEMO_CUSTOMERS",
      from: "2026-11-27T09:14:05.000Z",
      to: "2026-11-27T09:14:06.000Z",
      message: "more notifications were delivered in the second 2026-11-27T09:14:05Z than one " +
        "replay response can hold <100>",
      unreachable: 150,
    }],
    journal: {
      batches: 42,
      notifications: 1234,
      oldestBatchAt: iso(NOW - 26 * HOUR),
      oldestUndeliveredAt: iso(NOW - 10 * 60_000),
    },
    alerts: [
      {
        rule: "failure-score-drop",
        lastFiredAt: iso(NOW - 7 * 60_000),
        lastAlertId: "4f1c2a9be0d34c7f8a61b2c3d4e5f601",
        destinations: [{
          destination: "webhook",
          state: "sent",
          sent: 3,
          failures: 0,
          lastSentAt: iso(NOW - 7 * 60_000),
          lastAlertId: "4f1c2a9be0d34c7f8a61b2c3d4e5f601",
          lastError: null,
        }, {
          destination: "email",
          state: "failed",
          sent: 2,
          failures: 1,
          lastSentAt: iso(NOW - 2 * HOUR),
          lastAlertId: "9a8b7c6d5e4f30211f2e3d4c5b6a7988",
          lastError: "SMTP smtp.example.com:587 is unreachable (connection refused)",
        }],
      },
      {
        rule: "ownership-change",
        lastFiredAt: iso(NOW - 26 * HOUR),
        lastAlertId: "0c1d2e3f405162738495a6b7c8d9eaf0",
        destinations: [],
      },
    ],
    subjectChanges: [{
      at: iso(NOW - 3 * HOUR),
      registration: "TRACEONE_DEMO_SUPPLIERS",
      action: "add",
      source: "sync (scheduled)",
      count: 12,
      sample: ["268909075", "804735132", "150483782", "884114609", "006273905"],
      outcome: "ok",
      detail: "21108 Batch request accepted",
    }],
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

/** The fixture's dead letters, newest first. */
const KNOWN_LETTERS: DeadLetterDetail[] = [
  {
    key: "validation/d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
    sink: "validation",
    registration: HOSTILE_REGISTRATION,
    notificationId: "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
    reason: HOSTILE_REASON,
    at: iso(NOW - 90_000),
    rawBytes: HOSTILE_RAW.length,
    raw: HOSTILE_RAW,
    batchSequence: null,
  },
  {
    key: "validation/d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2",
    sink: "validation",
    registration: "TRACEONE_DEMO_SUPPLIERS",
    notificationId: "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2",
    reason: "not JSON: Unexpected token 'o', \"not json\" is not valid JSON",
    at: iso(NOW - 5 * 60_000),
    rawBytes: 8,
    raw: "not json",
    batchSequence: null,
  },
  {
    key: "sql/d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3",
    sink: "sql",
    registration: "TRACEONE_DEMO_SUPPLIERS",
    notificationId: "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3",
    reason: "value too long for column organization.primaryName",
    at: iso(NOW - 3 * HOUR),
    rawBytes: 30,
    raw: '{"type":"UPDATE","elements":[]}',
    batchSequence: 7,
  },
];

/** The known data with nothing wrong: what the healthy screenshot shows. */
export function healthyDashboard(): DashboardData {
  const data = knownDashboard();
  data.summary = {
    state: "healthy",
    registrations: { total: 3, failing: 0 },
    sinks: { total: 3, failing: 0, degraded: 0 },
    token: "healthy",
    deadLetters: 0,
    gaps: 0,
    reasons: [],
  };
  data.sinks = data.sinks.map((sink) => ({
    ...sink,
    status: "healthy",
    breaker: "closed",
    lagBatches: 0,
    lagSeconds: 0,
    errors: 0,
    lastError: null,
    history: sink.history.map((point, i) => ({ ...point, lagBatches: i % 2, errors: 0 })),
  }));
  data.api = {
    ...data.api,
    errors: 0,
    history: data.api.history.map((p) => ({ ...p, errors: 0 })),
  };
  data.registrations = data.registrations.map((r) => ({
    ...r,
    lastTick: r.lastTick ?? iso(NOW - 30_000),
    lastOutcome: "drained",
    lastPullCount: r.lastPullCount ?? 0,
    lastError: null,
    failingSince: null,
    failedTicks: 0,
  }));
  data.deadLetters = { total: 0, bySink: [], latest: [] };
  data.gaps = [];
  data.journal = { ...data.journal, oldestUndeliveredAt: null };
  return data;
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
  letters: DeadLetterDetail[] = structuredClone(KNOWN_LETTERS);
  asked: string[] = [];
  queries: DashboardQuery[] = [];
  actions: { action: "retry" | "discard"; key: string }[] = [];
  failing = false;

  /** The data, its hourly chart cut to the asked range, its dead letters as they are now. */
  dashboard(query: DashboardQuery = { hours: 48 }): Promise<DashboardData> {
    this.queries.push(query);
    if (this.failing) return Promise.reject(new Error("database is down"));
    const data = structuredClone(this.data);
    const from = Math.max(0, data.hourly.hours.length - query.hours);
    data.hourly = {
      hours: data.hourly.hours.slice(from),
      series: data.hourly.series.map((s) => ({ ...s, counts: s.counts.slice(from) })),
    };
    return Promise.resolve(data);
  }

  deadLetter(key: string): Promise<DeadLetterData> {
    if (this.failing) return Promise.reject(new Error("database is down"));
    return Promise.resolve({
      simulator: this.data.simulator,
      letter: structuredClone(this.letters.find((l) => l.key === key) ?? null),
    });
  }

  /** A sink's dead letter retries fine; a validation one is still invalid. */
  retryDeadLetter(key: string): Promise<DeadLetterActionResult> {
    this.actions.push({ action: "retry", key });
    const letter = this.letters.find((l) => l.key === key);
    if (!letter) return Promise.resolve({ found: false, ok: false, message: "gone" });
    if (letter.sink === "validation") {
      return Promise.resolve({
        found: true,
        ok: false,
        message: `still invalid: ${letter.reason}`,
      });
    }
    this.#remove(key);
    return Promise.resolve({ found: true, ok: true, message: "delivered to sql" });
  }

  discardDeadLetter(key: string): Promise<DeadLetterActionResult> {
    this.actions.push({ action: "discard", key });
    if (!this.letters.some((l) => l.key === key)) {
      return Promise.resolve({ found: false, ok: false, message: "gone" });
    }
    this.#remove(key);
    return Promise.resolve({ found: true, ok: true, message: `discarded ${key} for good` });
  }

  /** Takes a letter out of the list and out of the counts the page shows. */
  #remove(key: string): void {
    const letter = this.letters.find((l) => l.key === key)!;
    this.letters = this.letters.filter((l) => l.key !== key);
    const view = this.data.deadLetters;
    view.latest = view.latest.filter((l) => l.key !== key);
    view.total--;
    view.bySink = view.bySink.map((s) => s.sink === letter.sink ? { ...s, count: s.count - 1 } : s)
      .filter((s) => s.count > 0);
    this.data.summary.deadLetters = view.total;
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
    at: iso(NOW - (count - i) * 30_000),
    ...values(i),
  }));
}

function change(element: string, previous: string | null, current: string | null) {
  return { element, previous, current, timestamp: iso(NOW - 10 * 60_000) };
}
