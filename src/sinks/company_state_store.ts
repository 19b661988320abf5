/**
 * The I/O around `company_state.ts`: load the companies a set of notifications touches, apply
 * the rules, write back only what changed. It runs inside the caller's transaction, so the
 * state commits with the notifications or not at all.
 *
 * Two instances with different registrations may store notifications of one company at once.
 * On PostgreSQL each transaction therefore takes a transaction-scoped advisory lock per DUNS (in
 * sorted order, so two never deadlock) before it reads: the second waits, then reads what the
 * first committed. SQLite has one writer at a time anyway.
 */
import { type Kysely, sql } from "kysely";
import type { DialectName } from "../db/dialect.ts";
import type { CompaniesTable, CompanyStateTable, Tables } from "../db/tables.ts";
import type { Notification } from "../model/payload.ts";
import {
  applyToCompany,
  type CompanyChanges,
  type CompanySnapshot,
  type StateInput,
  stateInputOf,
} from "./company_state.ts";
import type { JournaledNotification } from "./sink.ts";

/** SQLite's bound-parameter limit, shared by PostgreSQL (65,535); see `sql.ts`. */
const MAX_PARAMETERS = 32_766;
const STATE_COLUMNS = 6;
const COMPANY_COLUMNS = 6;
/** Notifications read per page by `rebuildCompanyState`. */
const REBUILD_PAGE = 500;
/** First key of our advisory locks, so that they never meet another application's. */
const LOCK_CLASS = 20_002;

/** Options of `applyCompanyState` and `rebuildCompanyState`. */
export interface CompanyStateOptions {
  signal?: AbortSignal;
  /** `postgres` locks each company before reading it; default `sqlite` (no lock needed). */
  dialect?: DialectName;
}

/** What `applyCompanyState` or `rebuildCompanyState` wrote. */
export interface CompanyStateReport {
  notifications: number;
  companies: number;
  /** Rows of `company_state` inserted or updated. */
  paths: number;
}

/**
 * Applies `entries` (shapes already checked) to `company_state` and `companies` through `db`,
 * which should be a transaction. Idempotent: entries applied before change nothing.
 */
export async function applyCompanyState(
  db: Kysely<Tables>,
  entries: JournaledNotification[],
  options: CompanyStateOptions = {},
): Promise<CompanyStateReport> {
  const byDuns = new Map<string, StateInput[]>();
  for (const entry of entries) {
    const input = stateInputOf(entry);
    const list = byDuns.get(input.duns) ?? [];
    list.push(input);
    byDuns.set(input.duns, list);
  }
  if (byDuns.size === 0) return { notifications: 0, companies: 0, paths: 0 };
  if (options.dialect === "postgres") await lockCompanies(db, [...byDuns.keys()]);
  const snapshots = await loadSnapshots(db, [...byDuns.keys()], options);
  const changes: CompanyChanges[] = [];
  for (const [duns, inputs] of byDuns) {
    const snapshot = snapshots.get(duns) ?? { company: null, paths: new Map() };
    changes.push(applyToCompany(duns, snapshot, inputs).changes);
  }
  await writeChanges(db, changes, options);
  return {
    notifications: entries.length,
    companies: changes.filter((change) => change.company !== null).length,
    paths: changes.reduce((sum, change) => sum + change.upserts.length, 0),
  };
}

/**
 * Computes `company_state` and `companies` again from every stored notification, in delivery
 * order, in one transaction: for a database whose notifications were stored before migration
 * `002_company_state`, or to repair the state. What it computes equals what the sink kept.
 */
export async function rebuildCompanyState(
  db: Kysely<Tables>,
  options: CompanyStateOptions & { pageSize?: number } = {},
): Promise<CompanyStateReport> {
  const pageSize = options.pageSize ?? REBUILD_PAGE;
  return await db.transaction().execute(async (trx) => {
    // Sinks storing meanwhile wait for the rebuild, then apply their batch to its result.
    if (options.dialect === "postgres") {
      await sql`LOCK TABLE company_state, companies IN EXCLUSIVE MODE`.execute(trx);
    }
    await trx.deleteFrom("company_state").execute();
    await trx.deleteFrom("companies").execute();
    let after: { delivery: string; id: string } | null = null;
    let notifications = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      let query = trx.selectFrom("notifications").select(["id", "delivery_timestamp", "raw_json"])
        .orderBy("delivery_timestamp").orderBy("id").limit(pageSize);
      if (after !== null) {
        const { delivery, id } = after;
        query = query.where((eb) =>
          eb.or([
            eb("delivery_timestamp", ">", delivery),
            eb.and([eb("delivery_timestamp", "=", delivery), eb("id", ">", id)]),
          ])
        );
      }
      const page = await query.execute();
      if (page.length === 0) break;
      const entries = page.map((row): JournaledNotification => ({
        id: row.id,
        raw: row.raw_json,
        notification: JSON.parse(row.raw_json) as Notification,
      }));
      await applyCompanyState(trx, entries, options);
      notifications += page.length;
      const last = page[page.length - 1];
      after = { delivery: last.delivery_timestamp, id: last.id };
    }
    const counted = async (table: "companies" | "company_state") =>
      Number(
        (await trx.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as("n"))
          .executeTakeFirst())?.n ?? 0,
      );
    return {
      notifications,
      companies: await counted("companies"),
      paths: await counted("company_state"),
    };
  });
}

async function lockCompanies(db: Kysely<Tables>, dunsList: string[]): Promise<void> {
  const sorted = [...dunsList].sort();
  for (const chunk of chunks(sorted, MAX_PARAMETERS)) {
    await sql`
      SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(d))
      FROM (SELECT d FROM unnest(${chunk}::text[]) AS d ORDER BY d) AS sorted
    `.execute(db);
  }
}

async function loadSnapshots(
  db: Kysely<Tables>,
  dunsList: string[],
  options: { signal?: AbortSignal },
): Promise<Map<string, CompanySnapshot>> {
  const snapshots = new Map<string, CompanySnapshot>();
  const of = (duns: string) => {
    let snapshot = snapshots.get(duns);
    if (!snapshot) {
      snapshot = { company: null, paths: new Map() };
      snapshots.set(duns, snapshot);
    }
    return snapshot;
  };
  for (const chunk of chunks(dunsList, MAX_PARAMETERS)) {
    options.signal?.throwIfAborted();
    const companies = await db.selectFrom("companies").selectAll().where("duns", "in", chunk)
      .execute();
    for (const company of companies) of(company.duns).company = { ...company };
    const rows = await db.selectFrom("company_state").selectAll().where("duns", "in", chunk)
      .execute();
    for (const row of rows) of(row.duns).paths.set(row.element_path, { ...row });
  }
  return snapshots;
}

async function writeChanges(
  db: Kysely<Tables>,
  changes: CompanyChanges[],
  options: { signal?: AbortSignal },
): Promise<void> {
  for (const change of changes) {
    for (const paths of chunks(change.deletes, MAX_PARAMETERS - 1)) {
      options.signal?.throwIfAborted();
      await db.deleteFrom("company_state").where("duns", "=", change.duns)
        .where("element_path", "in", paths).execute();
    }
  }
  const upserts: CompanyStateTable[] = changes.flatMap((change) => change.upserts);
  for (const chunk of chunks(upserts, Math.floor(MAX_PARAMETERS / STATE_COLUMNS))) {
    options.signal?.throwIfAborted();
    await db.insertInto("company_state").values(chunk)
      .onConflict((conflict) =>
        conflict.columns(["duns", "element_path"]).doUpdateSet((eb) => ({
          value_json: eb.ref("excluded.value_json"),
          changed_at: eb.ref("excluded.changed_at"),
          delivery_timestamp: eb.ref("excluded.delivery_timestamp"),
          notification_id: eb.ref("excluded.notification_id"),
        }))
      ).execute();
  }
  const companies: CompaniesTable[] = changes.flatMap((change) =>
    change.company === null ? [] : [change.company]
  );
  for (const chunk of chunks(companies, Math.floor(MAX_PARAMETERS / COMPANY_COLUMNS))) {
    options.signal?.throwIfAborted();
    await db.insertInto("companies").values(chunk)
      .onConflict((conflict) =>
        conflict.column("duns").doUpdateSet((eb) => ({
          status: eb.ref("excluded.status"),
          status_changed_at: eb.ref("excluded.status_changed_at"),
          status_notification_id: eb.ref("excluded.status_notification_id"),
          last_notification_id: eb.ref("excluded.last_notification_id"),
          last_delivery_timestamp: eb.ref("excluded.last_delivery_timestamp"),
        }))
      ).execute();
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) {
    yield items.slice(start, start + size);
  }
}
