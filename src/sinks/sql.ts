import type { Insertable, Kysely } from "kysely";
import type { Database } from "../db/database.ts";
import { DatabaseUnavailableError } from "../db/errors.ts";
import type { NotificationElementsTable, NotificationsTable, Tables } from "../db/tables.ts";
import type { Notification } from "../model/payload.ts";
import { applyCompanyState } from "./company_state_store.ts";
import { rawNotification } from "./raw_notification.ts";
import {
  type Batch,
  type DeliverOptions,
  type DeliveryReceipt,
  type JournaledNotification,
  type RejectedNotification,
  type Sink,
  SinkRejectedError,
  SinkStats,
} from "./sink.ts";

const DEFAULT_NAME = "database_storage";
const DEFAULT_ROWS_PER_STATEMENT = 500;
/**
 * Bound parameters one statement may carry on both dialects: SQLite's limit (32,766 since
 * 3.32); PostgreSQL's is 65,535.
 */
const MAX_PARAMETERS = 32_766;
const NOTIFICATION_COLUMNS = 10;
const ELEMENT_COLUMNS = 6;
const LOCATION = "notifications table";
/** Savepoint around each notification when a batch must be stored one by one. */
const SAVEPOINT = "notification";

/** Options of `createSqlSink`. */
export interface SqlSinkOptions {
  /** Names the sink's cursor and dead letters; default `database_storage`. */
  name?: string;
  /**
   * Rows per INSERT statement, default 500; capped so that no statement exceeds the parameter
   * limit SQLite and PostgreSQL share.
   */
  rowsPerStatement?: number;
  /** Source of `stored_at`; the system clock by default. */
  clock?: () => Date;
}

/** `createSqlSink` was given an option it cannot work with. */
export class SqlSinkOptionsError extends Error {
  readonly code = "SQL_SINK_OPTIONS_INVALID";

  constructor(message: string) {
    super(message);
    this.name = "SqlSinkOptionsError";
  }
}

/** One notification's rows, kept together so that it can be stored, or refused, alone. */
interface NotificationRows {
  id: string;
  entry: JournaledNotification;
  notification: Insertable<NotificationsTable>;
  elements: Insertable<NotificationElementsTable>[];
}

interface Chunking {
  notifications: number;
  elements: number;
}

/**
 * A sink that stores each notification as one `notifications` row plus one
 * `notification_elements` row per changed element. The schema must be migrated first
 * (`migrateToLatest`).
 *
 * A batch is one transaction, written with multi-row INSERT … ON CONFLICT DO NOTHING, so a
 * re-delivered batch changes nothing and a failed one leaves nothing behind. The same
 * transaction applies the notifications it inserted to `company_state` and `companies`
 * (`company_state.ts`: last delivery wins). One already stored is skipped: its state committed
 * with it, so a replay changes nothing, not even the spelling of a value.
 *
 * Errors: an outage (unreachable, locked, disk full, not migrated) throws
 * `DatabaseUnavailableError` (`SQL_UNAVAILABLE`, retryable) and commits nothing. When the
 * database refuses some notifications' data as such, the batch is stored again one notification
 * per savepoint: the others are committed, then `SinkRejectedError` names the refused ones.
 *
 * The sink borrows `database`: `close()` does not close it; whoever opened it does.
 */
export function createSqlSink(database: Database, options: SqlSinkOptions = {}): Sink {
  const name = options.name ?? DEFAULT_NAME;
  const chunking = chunkingFor(options.rowsPerStatement ?? DEFAULT_ROWS_PER_STATEMENT);
  const clock = options.clock ?? (() => new Date());
  const stats = new SinkStats();

  async function deliver(
    batch: Batch,
    deliverOptions: DeliverOptions = {},
  ): Promise<DeliveryReceipt> {
    const { signal } = deliverOptions;
    signal?.throwIfAborted();
    const { rows, rejected } = rowsOf(batch, clock().toISOString());
    let written: number;
    try {
      written = await storeBatch(database, rows, { chunking, signal });
    } catch (error) {
      if (signal?.aborted || database.classifyError(error) !== "rejected") {
        throw failure(error, batch, signal);
      }
      try {
        const alone = await storeEach(database, rows, { chunking, signal });
        written = alone.written;
        rejected.push(...alone.rejected);
      } catch (retryError) {
        throw failure(retryError, batch, signal);
      }
    }
    const receipt: DeliveryReceipt = { written, location: LOCATION };
    // Refusals are about the data, not the database: the sink stays healthy and the pipeline
    // dead-letters them.
    stats.recordWrite(receipt);
    if (rejected.length > 0) throw new SinkRejectedError(name, rejected);
    return receipt;
  }

  /** Several batches in one transaction: one commit (and fsync) for all when behind. */
  async function deliverMany(
    batches: Batch[],
    deliverOptions: DeliverOptions = {},
  ): Promise<DeliveryReceipt> {
    const { signal } = deliverOptions;
    signal?.throwIfAborted();
    const storedAt = clock().toISOString();
    const rows: NotificationRows[] = [];
    const rejected: RejectedNotification[] = [];
    for (const batch of batches) {
      const of = rowsOf(batch, storedAt);
      rows.push(...of.rows);
      rejected.push(...of.rejected);
    }
    // Refusals are sorted out batch by batch, where they can be dead-lettered one by one.
    if (rejected.length > 0) throw new SinkRejectedError(name, rejected);
    let written: number;
    try {
      written = await storeBatch(database, rows, { chunking, signal });
    } catch (error) {
      if (signal?.aborted || database.classifyError(error) !== "rejected") {
        throw failure(error, batches[0], signal);
      }
      throw new SinkRejectedError(name, []);
    }
    const receipt: DeliveryReceipt = { written, location: LOCATION };
    stats.recordWrite(receipt);
    return receipt;
  }

  function failure(error: unknown, batch: Batch, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    const outage = new DatabaseUnavailableError(
      `${name}: could not store batch ${batch.sequence} of registration ` +
        `${JSON.stringify(batch.registration)} in ${database.location}: ` +
        `${database.redact(messageOf(error))} (nothing of the batch was committed and it will ` +
        "be retried; check that the database is reachable, writable and migrated)",
      { cause: error },
    );
    stats.recordError(outage);
    return outage;
  }

  return {
    name,
    deliver,
    deliverMany,
    health: () => stats.health(),
    close: () => Promise.resolve(),
  };
}

function chunkingFor(rowsPerStatement: number): Chunking {
  if (!Number.isInteger(rowsPerStatement) || rowsPerStatement < 1) {
    throw new SqlSinkOptionsError(
      `rowsPerStatement must be a whole number ≥ 1, got ${rowsPerStatement}`,
    );
  }
  return {
    notifications: Math.min(rowsPerStatement, Math.floor(MAX_PARAMETERS / NOTIFICATION_COLUMNS)),
    elements: Math.min(rowsPerStatement, Math.floor(MAX_PARAMETERS / ELEMENT_COLUMNS)),
  };
}

/**
 * The rows of every notification whose parse has what the columns need; the others are refused
 * here, since no database could store them.
 */
function rowsOf(
  batch: Batch,
  storedAt: string,
): { rows: NotificationRows[]; rejected: RejectedNotification[] } {
  const rows: NotificationRows[] = [];
  const rejected: RejectedNotification[] = [];
  for (const entry of batch.notifications) {
    const { id, raw, notification } = entry;
    const problem = shapeProblem(notification);
    if (problem !== null) {
      rejected.push({ id, reason: problem });
      continue;
    }
    const written = rawNotification(entry).elements;
    rows.push({
      id,
      entry,
      notification: {
        id,
        registration: batch.registration,
        duns: notification.organization.duns,
        type: notification.type,
        delivery_timestamp: notification.deliveryTimeStamp,
        pulled_at: batch.pulledAt,
        batch_sequence: batch.sequence,
        element_count: notification.elements.length,
        raw_json: raw,
        stored_at: storedAt,
      },
      elements: notification.elements.map((element, position) => ({
        notification_id: id,
        position,
        element: element.element,
        previous_json: "previous" in element
          ? written[position]?.previous ?? JSON.stringify(element.previous)
          : null,
        current_json: "current" in element
          ? written[position]?.current ?? JSON.stringify(element.current)
          : null,
        change_timestamp: element.timestamp ?? null,
      })),
    });
  }
  return { rows, rejected };
}

// The parse is typed, but it came from outside: check what the NOT NULL columns rely on.
function shapeProblem(notification: Notification): string | null {
  const value = notification as unknown as Record<string, unknown> | null;
  if (typeof value !== "object" || value === null) return "the notification is not an object";
  if (typeof value.type !== "string") return "type is missing or not a string";
  const organization = value.organization as Record<string, unknown> | null | undefined;
  if (typeof organization?.duns !== "string") {
    return "organization.duns is missing or not a string";
  }
  if (typeof value.deliveryTimeStamp !== "string") {
    return "deliveryTimeStamp is missing or not a string";
  }
  if (!Array.isArray(value.elements)) return "elements is missing or not an array";
  for (const [position, element] of value.elements.entries()) {
    if (typeof element?.element !== "string") {
      return `elements[${position}].element is missing or not a string`;
    }
    if (
      element.timestamp !== undefined && element.timestamp !== null &&
      typeof element.timestamp !== "string"
    ) {
      return `elements[${position}].timestamp is not a string`;
    }
  }
  return null;
}

async function storeBatch(
  database: Database,
  rows: NotificationRows[],
  options: { chunking: Chunking; signal?: AbortSignal },
): Promise<number> {
  if (rows.length === 0) return 0;
  const { dialect } = database;
  return await database.db.transaction().execute(async (trx) => {
    const inserted = await insertRows(trx, rows, options);
    await applyCompanyState(trx, insertedEntries(rows, inserted), { ...options, dialect });
    return inserted.size;
  });
}

/**
 * Stores each notification under its own savepoint inside one transaction, so that those the
 * database refuses are rolled back alone while an outage still aborts everything.
 */
async function storeEach(
  database: Database,
  rows: NotificationRows[],
  options: { chunking: Chunking; signal?: AbortSignal },
): Promise<{ written: number; rejected: RejectedNotification[] }> {
  const rejected: RejectedNotification[] = [];
  const stored: NotificationRows[] = [];
  const inserted = new Set<string>();
  const trx = await database.db.startTransaction().execute();
  try {
    for (const row of rows) {
      const saved = await trx.savepoint(SAVEPOINT).execute();
      try {
        for (const id of await insertRows(saved, [row], options)) inserted.add(id);
        stored.push(row);
      } catch (error) {
        if (options.signal?.aborted || database.classifyError(error) !== "rejected") throw error;
        await saved.rollbackToSavepoint(SAVEPOINT).execute();
        rejected.push({ id: row.id, reason: database.redact(messageOf(error)) });
      }
      await saved.releaseSavepoint(SAVEPOINT).execute();
    }
    // Only what was stored counts for the state; refused notifications are dead-lettered.
    await applyCompanyState(trx, insertedEntries(stored, inserted), {
      ...options,
      dialect: database.dialect,
    });
    await trx.commit().execute();
  } catch (error) {
    // The error that stopped the batch is what matters; a broken connection fails this too.
    await trx.rollback().execute().catch(() => {});
    throw error;
  }
  return { written: inserted.size, rejected };
}

/**
 * Notifications first: element rows reference them. Returns the ids of the notifications
 * inserted (RETURNING lists only rows written, on SQLite and PostgreSQL alike).
 */
async function insertRows(
  db: Kysely<Tables>,
  rows: NotificationRows[],
  options: { chunking: Chunking; signal?: AbortSignal },
): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of chunks(rows.map((row) => row.notification), options.chunking.notifications)) {
    options.signal?.throwIfAborted();
    const written = await db.insertInto("notifications").values(chunk)
      .onConflict((conflict) => conflict.doNothing()).returning("id").execute();
    for (const row of written) inserted.add(row.id);
  }
  for (const chunk of chunks(rows.flatMap((row) => row.elements), options.chunking.elements)) {
    options.signal?.throwIfAborted();
    await db.insertInto("notification_elements").values(chunk)
      .onConflict((conflict) => conflict.doNothing()).execute();
  }
  return inserted;
}

/** The entries of the rows inserted now, each id once, in batch order. */
function insertedEntries(rows: NotificationRows[], inserted: Set<string>): JournaledNotification[] {
  const seen = new Set<string>();
  const entries: JournaledNotification[] = [];
  for (const row of rows) {
    if (!inserted.has(row.id) || seen.has(row.id)) continue;
    seen.add(row.id);
    entries.push(row.entry);
  }
  return entries;
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) {
    yield items.slice(start, start + size);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
