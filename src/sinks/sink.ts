import type { Notification } from "../model/payload.ts";

/** One notification as the journal holds it: its id, its bytes as received, and their parse. */
export interface JournaledNotification {
  /** 32 hex characters; see `notificationId`. */
  id: string;
  /** The notification's JSON exactly as D&B sent it. */
  raw: string;
  notification: Notification;
}

/**
 * One pull response, as journaled. `sequence` and `pulledAt` are fixed when the batch is
 * journaled, so every re-delivery of the batch produces the same file names and rows.
 */
export interface Batch {
  registration: string;
  /** Per registration, from 1, without gaps. */
  sequence: number;
  /** UTC ISO-8601 with milliseconds. */
  pulledAt: string;
  notifications: JournaledNotification[];
}

export interface DeliverOptions {
  signal?: AbortSignal;
}

/** What a successful delivery wrote, for stats and logs. */
export interface DeliveryReceipt {
  /** Files, rows or calls the delivery made. */
  written: number;
  bytes?: number;
  /** Where it went: a path, a table, a URL. */
  location?: string;
}

export type SinkStatus = "healthy" | "degraded" | "failing";

export interface SinkHealth {
  status: SinkStatus;
  /** Files or rows stored since start. */
  stored: number;
  bytes: number;
  errors: number;
  lastWriteAt: string | null;
  lastError: string | null;
}

/**
 * A destination for notifications. Deliveries must be idempotent: the same batch delivered twice
 * leaves the same result as once (deterministic file names, `ON CONFLICT DO NOTHING`), because
 * the pipeline re-delivers after crashes and retries.
 *
 * Errors: throw `SinkRejectedError` for notifications the sink refuses as such (content it can
 * never store); throw anything else for an outage (server down, disk full, timeout), which the
 * pipeline retries for as long as it takes and never dead-letters around.
 */
export interface Sink {
  /** Stable: it names the sink's cursor and dead letters (`local_storage`, `database_storage`). */
  readonly name: string;
  /**
   * Where a sink seen for the first time starts: `beginning` (the default) stores what the
   * journal still holds, as a new copy should; `head` takes only what is pulled from now on.
   */
  readonly startAt?: "beginning" | "head";
  deliver(batch: Batch, options?: DeliverOptions): Promise<DeliveryReceipt>;
  /**
   * Optional group commit: stores consecutive batches of one registration at once when the sink
   * is behind (one transaction, parallel uploads). On an error the pipeline delivers the batches
   * one by one through `deliver`; whatever the failed attempt stored must be what those
   * deliveries store anyway (deliveries are idempotent), so nothing is duplicated.
   */
  deliverMany?(batches: Batch[], options?: DeliverOptions): Promise<DeliveryReceipt>;
  health(): SinkHealth;
  close(): Promise<void>;
}

export interface RejectedNotification {
  id: string;
  reason: string;
}

/** The sink cannot store these notifications, however often it is asked. */
export class SinkRejectedError extends Error {
  readonly code = "SINK_REJECTED";
  readonly sink: string;
  readonly rejected: RejectedNotification[];

  constructor(sink: string, rejected: RejectedNotification[]) {
    super(
      `${sink}: refused ${rejected.length} notification(s): ` +
        rejected.slice(0, 3).map((r) => `${r.id} (${r.reason})`).join(", ") +
        (rejected.length > 3 ? ", …" : ""),
    );
    this.name = "SinkRejectedError";
    this.sink = sink;
    this.rejected = rejected;
  }
}

/** Counts what a sink did, for `health()`. */
export class SinkStats {
  stored = 0;
  bytes = 0;
  errors = 0;
  consecutiveErrors = 0;
  lastWriteAt: string | null = null;
  lastError: string | null = null;

  recordWrite(receipt: DeliveryReceipt): void {
    this.stored += receipt.written;
    this.bytes += receipt.bytes ?? 0;
    this.consecutiveErrors = 0;
    this.lastWriteAt = new Date().toISOString();
  }

  recordError(error: unknown): void {
    this.errors++;
    this.consecutiveErrors++;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  health(): SinkHealth {
    const status: SinkStatus = this.consecutiveErrors === 0
      ? "healthy"
      : this.consecutiveErrors < 3
      ? "degraded"
      : "failing";
    return {
      status,
      stored: this.stored,
      bytes: this.bytes,
      errors: this.errors,
      lastWriteAt: this.lastWriteAt,
      lastError: this.lastError,
    };
  }
}
