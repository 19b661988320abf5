import { type Kysely, sql } from "kysely";
import type { ChangeRow, CompanyState, HourlyCount } from "../model/notification_store.ts";
import type { Tables } from "./tables.ts";

export type { ChangeRow, CompanyState, HourlyCount };

/** Every change to one DUNS, newest first (uses the `(duns, delivery_timestamp)` index). */
export function dunsHistory(
  db: Kysely<Tables>,
  duns: string,
  options: { limit?: number } = {},
): Promise<ChangeRow[]> {
  return changes(db)
    .where("n.duns", "=", duns)
    .orderBy("n.delivery_timestamp", "desc")
    .orderBy("e.position")
    .limit(options.limit ?? 500)
    .execute();
}

/** The latest notifications with their changes, newest first. */
export async function recentChanges(
  db: Kysely<Tables>,
  options: { limit?: number } = {},
): Promise<ChangeRow[]> {
  const latest = await db.selectFrom("notifications").select("id")
    .orderBy("delivery_timestamp", "desc").limit(options.limit ?? 20).execute();
  if (latest.length === 0) return [];
  return changes(db)
    .where("n.id", "in", latest.map((row) => row.id))
    .orderBy("n.delivery_timestamp", "desc")
    .orderBy("n.id")
    .orderBy("e.position")
    .execute();
}

function changes(db: Kysely<Tables>) {
  return db.selectFrom("notifications as n")
    .leftJoin("notification_elements as e", "e.notification_id", "n.id")
    .select([
      "n.id as notification_id",
      "n.registration",
      "n.duns",
      "n.type",
      "n.delivery_timestamp",
      "e.position",
      "e.element",
      "e.previous_json",
      "e.current_json",
      "e.change_timestamp",
    ]);
}

/** Notifications per delivery hour and type since `since` (portable: text prefix of the ISO time). */
export async function hourlyCounts(
  db: Kysely<Tables>,
  options: { since: Date },
): Promise<HourlyCount[]> {
  const hour = sql<string>`substr(delivery_timestamp, 1, 13)`;
  const rows = await db.selectFrom("notifications")
    .select([hour.as("hour"), "type", (eb) => eb.fn.countAll<number | string>().as("count")])
    .where("delivery_timestamp", ">=", options.since.toISOString())
    .groupBy([hour, "type"])
    .execute();
  // PostgreSQL counts as bigint, which pg returns as a string.
  return rows.map((row) => ({ hour: row.hour, type: row.type, count: Number(row.count) }));
}

/** How many notifications are stored. */
export async function notificationCount(db: Kysely<Tables>): Promise<number> {
  const row = await db.selectFrom("notifications")
    .select((eb) => eb.fn.countAll<number | string>().as("count")).executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** One company's status and current values by path; null when the company is unknown. */
export async function companyState(
  db: Kysely<Tables>,
  duns: string,
): Promise<CompanyState | null> {
  const company = await db.selectFrom("companies").selectAll().where("duns", "=", duns)
    .executeTakeFirst();
  if (!company) return null;
  const values = await db.selectFrom("company_state")
    .select(["element_path", "value_json", "changed_at", "delivery_timestamp", "notification_id"])
    .where("duns", "=", duns).execute();
  // Sorted here, by code unit: PostgreSQL's collation would order paths differently from SQLite.
  const byPath = values.map((row) => ({ ...row }))
    .sort((a, b) => a.element_path < b.element_path ? -1 : a.element_path > b.element_path ? 1 : 0);
  // An object stored whole beside its leaves (src/sinks/company_state.ts): the leaves say the
  // same, newer where they differ, so a reader is shown those.
  const withMembers = new Set<string>();
  for (const { element_path: path } of byPath) {
    for (let dot = path.indexOf("."); dot !== -1; dot = path.indexOf(".", dot + 1)) {
      withMembers.add(path.slice(0, dot));
    }
  }
  const shown = byPath.filter((row) =>
    !(row.value_json?.trimStart().startsWith("{") && withMembers.has(row.element_path))
  );
  return { ...company, values: shown };
}
