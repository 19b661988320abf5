import type { HealthSummary } from "../model/status.ts";

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
  /** Overall: failing when `/readyz` is not ready, degraded while anything is wrong. */
  health: "healthy" | "degraded" | "failing";
  /** What the health card counts: registrations, sinks, the token, dead letters, gaps. */
  summary: HealthSummary;
  /** Notifications stored per hour by type, the last 48 hours, oldest first. */
  hourly: HourlyCounts;
  sinks: SinkView[];
  api: ApiView;
  registrations: RegistrationView[];
  /** The latest notifications, newest first. */
  latest: NotificationView[];
}

export interface HourlyCounts {
  /** 48 hour starts, e.g. `2026-11-27T08:00:00.000Z`. */
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
  history: ApiSample[];
}

export interface RegistrationView {
  reference: string;
  lastTick: string | null;
  lastOutcome: string | null;
  lastPullCount: number | null;
  lastError: string | null;
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

export interface CompanyData {
  duns: string;
  simulator: boolean;
  /** Every stored notification of this DUNS, newest first. */
  notifications: NotificationView[];
}
