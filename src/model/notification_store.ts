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

/** The current value of one JSON path of a company, and which notification set it. */
export interface StateValue {
  /** `organization.<json.path>`; a SEED's top-level members as `organization.<member>`. */
  element_path: string;
  /** JSON text as D&B sent it; null when the element carried no `current`. */
  value_json: string | null;
  /** The element's `timestamp`, else the notification's `deliveryTimeStamp`. */
  changed_at: string;
  delivery_timestamp: string;
  notification_id: string;
}

/** A company's status and the current value of every path stored for it. */
export interface CompanyState {
  duns: string;
  /** `active`, `deleted`, `transferred`, `exited`, `under_review` or `removed`. */
  status: string;
  /** Delivery time of the notification that set the status; null while never set. */
  status_changed_at: string | null;
  status_notification_id: string | null;
  last_notification_id: string;
  last_delivery_timestamp: string;
  /** By path. */
  values: StateValue[];
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
  /**
   * One company's current state, or null when no notification of it is stored. Optional for
   * stores that keep no state (older doubles); the SQL store has it.
   */
  currentState?(duns: string): Promise<CompanyState | null>;
}
