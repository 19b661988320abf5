import type { AlertRuleStatus } from "../model/alert_status.ts";
import type { SubjectChangeState } from "../model/status.ts";
import type { HealthSummary, JournalState } from "../model/status.ts";

/**
 * What the dashboard shows, as plain data: the pages render it, the service gathers it. Times
 * are UTC ISO-8601 strings.
 */
export interface DashboardData {
  generatedAt: string;
  version: string;
  environment: string;
  /** True when the D&B API in use is the simulator: the page shows a banner. */
  simulator: boolean;
  /**
   * The health card: overall state (failing when `/readyz` is not ready, degraded while
   * anything is wrong), what it counts and the reasons `/readyz` gives.
   */
  summary: HealthSummary;
  /** Notifications stored per hour by type over the chosen range, oldest first. */
  hourly: HourlyCounts;
  /** Seconds between the sampled history's points (the line charts). */
  sampleSeconds: number;
  sinks: SinkView[];
  api: ApiView;
  registrations: RegistrationView[];
  deadLetters: DeadLettersView;
  /** Stretches replay can no longer reach, one per registration that has one. */
  gaps: GapRow[];
  journal: JournalState;
  /** The latest notifications, newest first. */
  latest: NotificationView[];
  /** The alert rules: last fired, and each destination's delivery state. */
  alerts: AlertRuleStatus[];
  /** The latest changes this service made to registrations' subjects, newest first. */
  subjectChanges: SubjectChangeState[];
}

/** The time ranges the hourly chart offers, in hours. */
export const HOUR_RANGES = [1, 24, 48] as const;
export type HourRange = typeof HOUR_RANGES[number];

/** What the dashboard page asks for: the hourly chart's range. */
export interface DashboardQuery {
  hours: HourRange;
}

export interface HourlyCounts {
  /** One hour start per bar, e.g. `2026-11-27T08:00:00.000Z`; the last is the current hour. */
  hours: string[];
  /** One series per notification type; `counts[i]` belongs to `hours[i]`. */
  series: { type: string; counts: number[] }[];
}

/** One point of a sampled time series. */
export interface SinkSample {
  at: string;
  lagBatches: number;
  /** Errors since the previous sample. */
  errors: number;
}

export interface SinkView {
  name: string;
  status: "healthy" | "degraded" | "failing";
  breaker: "closed" | "open" | "half_open";
  lagBatches: number;
  lagSeconds: number;
  stored: number;
  errors: number;
  lastError: string | null;
  history: SinkSample[];
}

export interface ApiSample {
  at: string;
  /** Requests, 429s and errors since the previous sample. */
  requests: number;
  rateLimited: number;
  errors: number;
}

export interface ApiView {
  breaker: "closed" | "open" | "half_open";
  rateLimit: number;
  requests: number;
  rateLimited: number;
  errors: number;
  /** p95 of request durations since start, in ms; null before the first request. */
  p95LatencyMs: number | null;
  history: ApiSample[];
}

export interface RegistrationView {
  reference: string;
  lastTick: string | null;
  lastOutcome: string | null;
  lastPullCount: number | null;
  lastError: string | null;
  /** Since when every tick has failed; null while ticks succeed. */
  failingSince: string | null;
  /** Ticks failed in a row. */
  failedTicks: number;
}

/** Dead letters: how many per sink, and the latest few. */
export interface DeadLettersView {
  total: number;
  /** Per sink (`validation` for notifications that failed validation), by name. */
  bySink: { sink: string; count: number }[];
  /** The latest, newest first; at most a page's worth of `total`. */
  latest: DeadLetterView[];
}

export interface DeadLetterView {
  /** `<sink>/<notification id>`: what the show, retry and discard routes take. */
  key: string;
  sink: string;
  registration: string;
  notificationId: string;
  reason: string;
  at: string;
  rawBytes: number;
}

/** One dead letter in full, for its own page. */
export interface DeadLetterDetail extends DeadLetterView {
  /** The notification's JSON exactly as received. */
  raw: string;
  batchSequence: number | null;
}

/** A dead letter's page: the letter, or null when there is none by that key. */
export interface DeadLetterData {
  simulator: boolean;
  letter: DeadLetterDetail | null;
}

/** What a retry or discard from the dashboard came to. */
export interface DeadLetterActionResult {
  /** False when no dead letter has that key (retried or removed meanwhile). */
  found: boolean;
  ok: boolean;
  message: string;
}

export interface GapRow {
  registration: string;
  from: string;
  to: string;
  message: string;
  /** Journaled notifications of that stretch replay could not reach, when known. */
  unreachable: number | null;
}

export interface ElementChange {
  element: string;
  /** JSON text as stored; null when the key was absent. */
  previous: string | null;
  current: string | null;
  timestamp: string | null;
}

export interface NotificationView {
  id: string;
  type: string;
  duns: string;
  registration: string;
  deliveryTimestamp: string;
  elements: ElementChange[];
}

/** Where the pages get their data and send the dead-letter actions. */
export interface DashboardProvider {
  dashboard(query?: DashboardQuery): Promise<DashboardData>;
  company(duns: string): Promise<CompanyData>;
  deadLetter(key: string): Promise<DeadLetterData>;
  retryDeadLetter(key: string): Promise<DeadLetterActionResult>;
  discardDeadLetter(key: string): Promise<DeadLetterActionResult>;
}

export interface CompanyData {
  duns: string;
  simulator: boolean;
  /** Every stored notification of this DUNS, newest first. */
  notifications: NotificationView[];
  /** The company's current state; null or absent when none is stored (or no SQL sink). */
  state?: CompanyStateView | null;
}

/** A company's status and the current value of each path, as the SQL sink keeps them. */
export interface CompanyStateView {
  status: string;
  /** Delivery time of the notification that set the status; null while never set. */
  statusChangedAt: string | null;
  lastDeliveryTimestamp: string;
  /** By path. */
  values: StateValueView[];
}

export interface StateValueView {
  path: string;
  /** JSON text as stored; null when D&B sent no `current`. */
  json: string | null;
  changedAt: string;
  notificationId: string;
}
