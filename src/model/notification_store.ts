/**
 * What the SQL sink stored, as the HTTP layer and the CLI read it: a port in the manner of
 * Kysely's `Driver`, implemented in `src/db/` (`createNotificationStore`), so readers never
 * touch the database themselves.
 */

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

export interface HourlyCount {
  /** `YYYY-MM-DDTHH` of the delivery time (UTC). */
  hour: string;
  type: string;
  count: number;
}

export interface NotificationStore {
  /** The latest notifications with their changes, newest first. */
  recent(options: { limit: number }): Promise<ChangeRow[]>;
  /** Every change to one DUNS, newest first. */
  history(duns: string, options: { limit: number }): Promise<ChangeRow[]>;
  /** Notifications per delivery hour and type since `since`. */
  hourlyCounts(options: { since: Date }): Promise<HourlyCount[]>;
  /** How many notifications are stored in all. */
  count(): Promise<number>;
}
