import type { Kysely } from "kysely";
import type { Tables } from "./tables.ts";

/** One changed element of one notification; a notification without elements gives one row. */
export interface ChangeRow {
  notification_id: string;
  registration: string;
  duns: string;
  type: string;
  delivery_timestamp: string;
  position: number | null;
  element: string | null;
  previous_json: string | null;
  current_json: string | null;
  change_timestamp: string | null;
}

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
