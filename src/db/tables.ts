/**
 * The row shapes Kysely checks queries against. Column types are the portable subset: text,
 * integer and nullable text, so SQLite and PostgreSQL read back the same JavaScript values.
 */
export interface Tables {
  notifications: NotificationsTable;
  notification_elements: NotificationElementsTable;
  company_state: CompanyStateTable;
  companies: CompaniesTable;
}

/** One notification, keyed by its id; the row never changes once written. */
export interface NotificationsTable {
  /** 32 hex characters; see `notificationId`. */
  id: string;
  registration: string;
  duns: string;
  type: string;
  /** `deliveryTimeStamp` exactly as D&B sent it. */
  delivery_timestamp: string;
  /** The batch's pull time, UTC ISO-8601. */
  pulled_at: string;
  batch_sequence: number;
  element_count: number;
  /** The notification's JSON byte for byte as received. */
  raw_json: string;
  /** When this database first stored it, UTC ISO-8601. */
  stored_at: string;
}

/** One changed JSON path of a notification, in the order D&B listed them. */
export interface NotificationElementsTable {
  notification_id: string;
  /** 0-based index in the notification's `elements`. */
  position: number;
  /** The changed JSON path, e.g. `organization.primaryName`. */
  element: string;
  /**
   * JSON text of `previous`/`current`: NULL when the key was absent, `'null'` for JSON null.
   * On PostgreSQL the column is `json` (not `jsonb`, which rewrites key order, spacing and number
   * spelling and refuses `\u0000`), read back as text, so both dialects return the same string
   * and PostgreSQL's JSON operators still apply.
   */
  previous_json: string | null;
  current_json: string | null;
  /** The element's `timestamp`, or NULL when D&B omitted it. */
  change_timestamp: string | null;
}

/**
 * The current value of one JSON path of one company: what the latest delivered notification
 * carrying that path said (see `src/sinks/company_state.ts` for the rules).
 */
export interface CompanyStateTable {
  duns: string;
  /**
   * `organization.<json.path>` as D&B names it in `elements[].element`; a SEED stores each
   * top-level member of its `organization` as `organization.<member>`.
   */
  element_path: string;
  /** JSON text of the value byte for byte as D&B sent it; NULL when `current` was absent. */
  value_json: string | null;
  /** The element's `timestamp`, else the notification's `deliveryTimeStamp`, as sent. */
  changed_at: string;
  /** `deliveryTimeStamp` of the notification that set the value, as sent. */
  delivery_timestamp: string;
  notification_id: string;
}

/** One row per company seen in any stored notification. */
export interface CompaniesTable {
  duns: string;
  /** `active`, `deleted`, `transferred`, `exited`, `under_review` or `removed`. */
  status: string;
  /** `deliveryTimeStamp` of the notification that set the status; NULL while never set. */
  status_changed_at: string | null;
  status_notification_id: string | null;
  /** The company's latest delivered notification (by the same order as the state). */
  last_notification_id: string;
  last_delivery_timestamp: string;
}
