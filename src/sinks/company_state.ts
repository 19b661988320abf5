/**
 * The rules that turn stored notifications into each company's current state: the value of
 * every JSON path D&B told us about, and the company's status. Pure: the SQL sink loads a
 * company's rows, applies its notifications here and writes back what changed
 * (`company_state_store.ts`).
 *
 * What a notification sets:
 * - every element sets `element` (e.g. `organization.primaryName`) to `current`, as D&B wrote
 *   it (`3.0251016094E8` stays so); NULL when the element has no `current`; changed at the
 *   element's `timestamp`, else at the notification's `deliveryTimeStamp`;
 * - a SEED also sets each top-level member of its `organization` (changed at
 *   `deliveryTimeStamp`). It replaces only the members it carries: a member it lacks keeps its
 *   value;
 * - a value that is a non-empty object is stored as sent at its path and also as its leaves,
 *   one row per scalar, array or empty object inside it
 *   (`organization.dnbAssessment.failureScore.nationalPercentile`), replacing the older rows at
 *   and under its path. So a leaf has its row whether D&B sent it as an element of an UPDATE or
 *   inside a SEED, and a query on a leaf path finds seeded companies too. Arrays stay whole, as
 *   D&B sends them (`organization.businessTrading`). Readers show the leaves, not the object;
 * - DELETE, TRANSFER, EXIT, REMOVED and UNDER_REVIEW set the status to `deleted`,
 *   `transferred`, `exited`, `removed` and `under_review`; UNDELETE and REVIEWED set it back to
 *   `active`. A company first seen through any other type is `active`. A notification of any
 *   type delivered after REMOVED or EXIT means the company is monitored again: `active`, its
 *   `status_changed_at` still the REMOVED/EXIT's (the ranking key of its status).
 *
 * Order: last delivery wins. Each write carries the key (deliveryTimeStamp, change time,
 * notification id), compared as instants (D&B sends milliseconds for the one, seconds for the
 * other, so the strings do not compare) and then by id, so equal stamps still have one answer.
 * A write replaces a path only when its key is not older than the stored one, and when no
 * enclosing path (`organization.dnbAssessment` for `organization.dnbAssessment.failureScore`)
 * holds a strictly newer value; a write drops the older values of the paths it encloses. The
 * status and `last_*` follow the same order, on the delivery time and the id.
 *
 * So the result depends only on the set of notifications, never on the order they arrive in:
 * an older notification delivered late changes nothing newer, a replayed notification (same id,
 * same bytes) changes nothing, and a batch applied twice equals once. (The SQL sink does not even
 * apply a notification it had stored: its state committed with it.) A deeper path newer than the
 * path enclosing it holds the newer value of that part; readers prefer the deepest path.
 */
import type { CompaniesTable, CompanyStateTable } from "../db/tables.ts";
import { rawMembers } from "../model/raw_json.ts";
import { rawNotification } from "./raw_notification.ts";
import type { JournaledNotification } from "./sink.ts";

/** The status each status-changing type sets; other types leave the status alone. */
export const STATUS_OF_TYPE: Readonly<Record<string, string>> = {
  DELETE: "deleted",
  UNDELETE: "active",
  TRANSFER: "transferred",
  UNDER_REVIEW: "under_review",
  REVIEWED: "active",
  EXIT: "exited",
  REMOVED: "removed",
};

/** A company's status before any status-changing notification. */
export const INITIAL_STATUS = "active";

/** One path a notification sets. */
export interface PathWrite {
  path: string;
  /** JSON text as D&B wrote it; null when the element carried no `current`. */
  valueJson: string | null;
  /** The element's `timestamp`, else `deliveryTimeStamp`, as sent. */
  changedAt: string;
}

/** What one notification means for its company's state. */
export interface StateInput {
  id: string;
  duns: string;
  type: string;
  deliveryTimestamp: string;
  /** In the order they apply: a SEED's members, then the elements in D&B's order. */
  writes: PathWrite[];
}

/** A company's stored state: its `companies` row (null when unseen) and its paths. */
export interface CompanySnapshot {
  company: CompaniesTable | null;
  paths: Map<string, CompanyStateTable>;
}

/** What applying notifications changed, for the database to write. */
export interface CompanyChanges {
  duns: string;
  /** Paths whose row is new or different. */
  upserts: CompanyStateTable[];
  /** Paths whose row goes: superseded by a newer enclosing value. */
  deletes: string[];
  /** The new `companies` row, or null when it did not change. */
  company: CompaniesTable | null;
}

/** The order key of a write: delivery instant, change instant, notification id. */
interface OrderKey {
  delivery: string;
  changed: string;
  id: string;
}

/**
 * Cuts one journaled notification (whose shape the sink checked) into its writes, every value
 * taken from the raw text.
 */
export function stateInputOf(entry: JournaledNotification): StateInput {
  const { id, notification } = entry;
  const raw = rawNotification(entry);
  const delivery = notification.deliveryTimeStamp;
  const writes: PathWrite[] = [];
  if (notification.type === "SEED") {
    const organization = raw.member("organization")?.raw;
    for (const member of (organization === undefined ? null : rawMembers(organization)) ?? []) {
      writes.push({
        path: `organization.${member.name}`,
        valueJson: member.raw,
        changedAt: delivery,
      });
    }
  }
  for (const [position, element] of notification.elements.entries()) {
    writes.push({
      path: element.element,
      valueJson: "current" in element
        ? raw.elements[position]?.current ?? JSON.stringify(element.current)
        : null,
      changedAt: typeof element.timestamp === "string" ? element.timestamp : delivery,
    });
  }
  return {
    id,
    duns: notification.organization.duns,
    type: notification.type,
    deliveryTimestamp: delivery,
    writes,
  };
}

/**
 * Applies `inputs` (all of `snapshot`'s company, any order) and returns the new snapshot and
 * what differs from the old one. `snapshot` is not changed.
 */
export function applyToCompany(
  duns: string,
  snapshot: CompanySnapshot,
  inputs: StateInput[],
): { snapshot: CompanySnapshot; changes: CompanyChanges } {
  const paths = new Map(snapshot.paths);
  let company = snapshot.company;
  for (const input of sortInputs(inputs)) {
    for (const write of input.writes) applyWrite(paths, input, write);
    company = applyCompany(company, input);
  }
  const upserts: CompanyStateTable[] = [];
  const deletes: string[] = [];
  for (const [path, row] of paths) {
    if (!sameRow(snapshot.paths.get(path), row)) upserts.push(row);
  }
  for (const path of snapshot.paths.keys()) if (!paths.has(path)) deletes.push(path);
  return {
    snapshot: { company, paths },
    changes: {
      duns,
      upserts,
      deletes,
      company: sameCompany(snapshot.company, company) ? null : company,
    },
  };
}

/** Inputs in delivery order (instants, then id): the order a person reads them in. */
export function sortInputs(inputs: StateInput[]): StateInput[] {
  const keyed = inputs.map((input) => ({
    input,
    key: orderKey(input.deliveryTimestamp, input.deliveryTimestamp, input.id),
  }));
  return keyed.sort((a, b) => compareKeys(a.key, b.key)).map((item) => item.input);
}

function applyWrite(
  paths: Map<string, CompanyStateTable>,
  input: StateInput,
  write: PathWrite,
  options: { leaves?: boolean } = {},
): void {
  const key = orderKey(input.deliveryTimestamp, write.changedAt, input.id);
  const existing = paths.get(write.path);
  if (existing && compareKeys(key, rowKey(existing)) < 0) return;
  for (const [path, row] of paths) {
    if (encloses(path, write.path) && compareKeys(rowKey(row), key) > 0) return;
  }
  for (const [path, row] of paths) {
    if (encloses(write.path, path) && compareKeys(rowKey(row), key) <= 0) paths.delete(path);
  }
  paths.set(write.path, {
    duns: input.duns,
    element_path: write.path,
    value_json: write.valueJson,
    changed_at: write.changedAt,
    delivery_timestamp: input.deliveryTimestamp,
    notification_id: input.id,
  });
  // The object's own row stays beside its leaves: it is what keeps an older notification
  // delivered late from bringing back a member this one dropped (it encloses them, newer).
  if (options.leaves === false || write.valueJson === null) return;
  for (const leaf of leavesOf(write.path, write.valueJson)) {
    applyWrite(paths, input, { ...leaf, changedAt: write.changedAt }, { leaves: false });
  }
}

/** The scalars, arrays and empty objects inside a non-empty object, by path; none otherwise. */
function leavesOf(path: string, json: string): { path: string; valueJson: string }[] {
  const members = rawMembers(json);
  if (members === null || members.length === 0) return [];
  return members.flatMap((member) => {
    const inner = `${path}.${member.name}`;
    const deeper = leavesOf(inner, member.raw);
    return deeper.length > 0 ? deeper : [{ path: inner, valueJson: member.raw }];
  });
}

function applyCompany(company: CompaniesTable | null, input: StateInput): CompaniesTable {
  const key = orderKey(input.deliveryTimestamp, input.deliveryTimestamp, input.id);
  const status = STATUS_OF_TYPE[input.type];
  const next: CompaniesTable = company ? { ...company } : {
    duns: input.duns,
    status: INITIAL_STATUS,
    status_changed_at: null,
    status_notification_id: null,
    last_notification_id: input.id,
    last_delivery_timestamp: input.deliveryTimestamp,
  };
  if (compareKeys(key, lastKeyOf(next)) >= 0) {
    next.last_notification_id = input.id;
    next.last_delivery_timestamp = input.deliveryTimestamp;
  }
  if (status !== undefined) {
    const statusKey = statusKeyOf(next);
    if (statusKey === null || compareKeys(key, statusKey) >= 0) {
      next.status = status;
      next.status_changed_at = input.deliveryTimestamp;
      next.status_notification_id = input.id;
    }
  }
  // Checked on the result, not on this input alone, so that the answer does not depend on which
  // of the two arrived first.
  const statusKey = statusKeyOf(next);
  if (
    MONITORING_ENDED.has(next.status) && statusKey !== null &&
    compareKeys(lastKeyOf(next), statusKey) > 0
  ) {
    // The status key stays the REMOVED/EXIT's: a status notification between the two (a DELETE
    // delivered after the REMOVED, before the UPDATE) still wins however late it arrives.
    next.status = INITIAL_STATUS;
  }
  return next;
}

/** Statuses that say D&B stopped monitoring the company; any later notification undoes them. */
const MONITORING_ENDED: ReadonlySet<string> = new Set(["removed", "exited"]);

/** Whether a notification of `type` says D&B no longer monitors the DUNS (REMOVED, EXIT). */
export function endsMonitoring(type: string): boolean {
  return MONITORING_ENDED.has(STATUS_OF_TYPE[type] ?? "");
}

function lastKeyOf(company: CompaniesTable): OrderKey {
  return orderKey(
    company.last_delivery_timestamp,
    company.last_delivery_timestamp,
    company.last_notification_id,
  );
}

function statusKeyOf(company: CompaniesTable): OrderKey | null {
  const stamp = company.status_changed_at;
  return stamp === null || company.status_notification_id === null
    ? null
    : orderKey(stamp, stamp, company.status_notification_id);
}

/** Whether `outer` is a proper prefix path of `inner` (`a.b` of `a.b.c` and of `a.b[0]`). */
export function encloses(outer: string, inner: string): boolean {
  return inner.length > outer.length && inner.startsWith(outer) &&
    (inner[outer.length] === "." || inner[outer.length] === "[");
}

function rowKey(row: CompanyStateTable): OrderKey {
  return orderKey(row.delivery_timestamp, row.changed_at, row.notification_id);
}

function orderKey(delivery: string, changed: string, id: string): OrderKey {
  return { delivery: instantKey(delivery), changed: instantKey(changed), id };
}

function compareKeys(a: OrderKey, b: OrderKey): number {
  return compareText(a.delivery, b.delivery) || compareText(a.changed, b.changed) ||
    compareText(a.id, b.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An ISO-8601 stamp as a fixed-width UTC text that sorts as the instant does:
 * `2024-05-01T10:00:00Z` and `2024-05-01T10:00:00.000Z` give the same. A stamp without a zone
 * is read as UTC, as D&B means it; one that is no time at all sorts before every time.
 */
export function instantKey(stamp: string): string {
  const zoned = /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(stamp) ? `${stamp}Z` : stamp;
  const ms = Date.parse(zoned);
  if (!Number.isFinite(ms)) return "";
  // Years 0–9999 give 24 characters; others a sign and six digits, rare enough not to matter.
  return new Date(ms).toISOString();
}

function sameRow(a: CompanyStateTable | undefined, b: CompanyStateTable): boolean {
  return a !== undefined && a.value_json === b.value_json && a.changed_at === b.changed_at &&
    a.delivery_timestamp === b.delivery_timestamp && a.notification_id === b.notification_id;
}

function sameCompany(a: CompaniesTable | null, b: CompaniesTable | null): boolean {
  if (a === null || b === null) return a === b;
  return a.status === b.status && a.status_changed_at === b.status_changed_at &&
    a.status_notification_id === b.status_notification_id &&
    a.last_notification_id === b.last_notification_id &&
    a.last_delivery_timestamp === b.last_delivery_timestamp;
}
