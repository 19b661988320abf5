import { DnbProtocolError } from "./errors.ts";
import { jsonDepth, notificationId } from "./notification_id.ts";
import { type Notification, NOTIFICATION_TYPES } from "../model/payload.ts";
import { isClosedContainer, rawArrayElements, rawItems, rawMembers } from "../model/raw_json.ts";

/** A notification that passed validation, with its id and its bytes as received. */
export interface ParsedNotification {
  id: string;
  notification: Notification;
  raw: string;
  /** False for a `type` outside the nine D&B documents; such notifications are kept. */
  knownType: boolean;
}

/** A notification that failed validation: reported with its raw JSON, never dropped. */
export interface InvalidNotification {
  id: string;
  /** Position in its page. */
  index: number;
  raw: string;
  reason: string;
}

export interface NotificationPage {
  reference: string;
  transactionID: string | null;
  /** D&B's clock when it took the request: the pacing of pulls reads D&B time from it. */
  transactionTimestamp: string | null;
  notifications: ParsedNotification[];
  invalid: InvalidNotification[];
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(NOTIFICATION_TYPES);

/**
 * Reads one pull or replay response. Each notification is validated on its own, so one
 * malformed notification is reported in `invalid` and never costs the rest of the page.
 */
export function parseNotificationPage(
  text: string,
  options: { reference: string; path: string; invalidUtf8?: boolean },
): NotificationPage {
  const site = { method: "GET", path: options.path, endpoint: "notifications" };
  let body: unknown;
  let values: unknown[];
  let raws: string[];
  try {
    body = JSON.parse(text);
  } catch (error) {
    const salvaged = salvage(text);
    if (salvaged === null) {
      throw new DnbProtocolError(site, `body is not JSON (${(error as Error).message})`, text);
    }
    ({ body, values, raws } = salvaged);
  }
  if (!isRecord(body) || !Array.isArray(body.notifications)) {
    throw new DnbProtocolError(site, "body has no notifications array", text);
  }
  values ??= body.notifications as unknown[];
  raws ??= rawArrayElements(text, "notifications") ?? values.map((v) => JSON.stringify(v));
  const page: NotificationPage = {
    reference: options.reference,
    transactionID: isRecord(body.transactionDetail) &&
        typeof body.transactionDetail.transactionID === "string"
      ? body.transactionDetail.transactionID
      : null,
    transactionTimestamp: isRecord(body.transactionDetail) &&
        typeof body.transactionDetail.transactionTimestamp === "string"
      ? body.transactionDetail.transactionTimestamp
      : null,
    notifications: [],
    invalid: [],
  };
  values.forEach((value, index) => {
    const raw = raws[index] ?? JSON.stringify(value);
    // The body was not UTF-8: a notification holding a U+FFFD may hold it in place of D&B's
    // bytes. Dead-lettered, as a push line is (src/pipeline/unreadable_line.ts), never stored as
    // if D&B had sent it; the rest of the page is unaffected.
    if (options.invalidUtf8 && raw.includes("\uFFFD")) {
      page.invalid.push({
        id: notificationId(options.reference, value instanceof NotJson ? raw : value),
        index,
        raw,
        reason: "not valid UTF-8: D&B's bytes were replaced by U+FFFD in this text",
      });
      return;
    }
    const read = checkNotification(raw, {
      reference: options.reference,
      parsed: value instanceof NotJson ? { notJson: value.reason } : { value },
    });
    if ("reason" in read) page.invalid.push({ ...read, index });
    else page.notifications.push(read);
  });
  return page;
}

/**
 * One notification's text, validated on its own, as a pull, a replay, a push file and code
 * handing one in all need it: valid with its id, or invalid with its id, raw bytes and the
 * reason. Never throws. `parsed` skips the parse when the caller has it already.
 */
export function checkNotification(
  raw: string,
  options: { reference: string; parsed?: { value: unknown } | { notJson: string } },
): ParsedNotification | Omit<InvalidNotification, "index"> {
  let parsed = options.parsed;
  if (parsed === undefined) {
    try {
      parsed = { value: JSON.parse(raw) };
    } catch (error) {
      parsed = { notJson: `not JSON: ${(error as Error).message}` };
    }
  }
  if ("notJson" in parsed) {
    return { id: notificationId(options.reference, raw), raw, reason: parsed.notJson };
  }
  const value = parsed.value;
  const id = notificationId(options.reference, value);
  const tooLarge = sizeProblems(raw);
  const problems = tooLarge.length > 0 ? tooLarge : notificationProblems(value);
  if (problems.length > 0) return { id, raw, reason: problems.join("; ") };
  const notification = value as Notification;
  notification.elements ??= [];
  return { id, notification, raw, knownType: KNOWN_TYPES.has(notification.type) };
}

/** An item of a salvaged page that is not JSON on its own. */
class NotJson {
  constructor(readonly reason: string) {}
}

/**
 * A body that is not JSON as a whole, but whose structure is complete (not cut off): each item of
 * its `notifications` array is read on its own, so one broken notification (a bare `NaN`, a bad
 * escape) is dead-lettered with its bytes instead of making the page, and every replay of its
 * second, unreadable. Null when there is no such array or the rest of the body is broken too.
 */
function salvage(
  text: string,
): { body: Record<string, unknown>; values: unknown[]; raws: string[] } | null {
  if (!isClosedContainer(text)) return null;
  let members;
  try {
    members = rawMembers(text);
  } catch {
    return null;
  }
  const list = members?.findLast((member) => member.name === "notifications");
  const raws = list === undefined ? null : rawItems(list.raw);
  if (!members || raws === null) return null;
  const body: Record<string, unknown> = {};
  for (const member of members) {
    if (member === list) continue;
    try {
      body[member.name] = JSON.parse(member.raw);
    } catch {
      return null;
    }
  }
  const values = raws.map((raw) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch (error) {
      return new NotJson(`not JSON: ${(error as Error).message}`);
    }
  });
  body.notifications = values;
  return { body, values, raws };
}

/**
 * The most one notification's JSON may take. D&B's fullest product records take tens of KB; a
 * notification this large is refused whole, so that no journal entry, file or row of one can
 * exhaust what holds it.
 */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;

/** Empty, or why the raw text is too large. */
export function sizeProblems(raw: string): string[] {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long texts need counting.
  if (raw.length * 3 <= MAX_NOTIFICATION_BYTES) return [];
  const bytes = new TextEncoder().encode(raw).length;
  return bytes > MAX_NOTIFICATION_BYTES
    ? [
      `notification: ${bytes} bytes, more than the ${MAX_NOTIFICATION_BYTES} (1 MiB) any D&B ` +
      "record needs",
    ]
    : [];
}

/**
 * How deeply a notification may nest. D&B's fullest product records nest about a dozen levels;
 * past this a notification is refused whole, so that no code after validation (formats, sinks)
 * ever walks a hostile depth.
 */
export const MAX_NOTIFICATION_DEPTH = 64;

/** What is wrong with one notification, field by field; empty when it is valid. */
export function notificationProblems(value: unknown): string[] {
  if (!isRecord(value)) return [`notification: expected a JSON object, got ${kindOf(value)}`];
  const depth = jsonDepth(value);
  if (depth > MAX_NOTIFICATION_DEPTH) {
    return [
      `notification: nested ${depth} levels deep, more than the ${MAX_NOTIFICATION_DEPTH} ` +
      "any D&B record uses",
    ];
  }
  const problems: string[] = [];
  if (typeof value.type !== "string" || value.type === "") {
    problems.push(`type: expected a non-empty string, got ${kindOf(value.type)}`);
  }
  if (!isRecord(value.organization)) {
    problems.push(`organization: expected an object, got ${kindOf(value.organization)}`);
  } else if (
    typeof value.organization.duns !== "string" || !/^\d{9}$/.test(value.organization.duns)
  ) {
    problems.push(
      `organization.duns: expected a 9-digit string, got ${kindOf(value.organization.duns)}`,
    );
  }
  const stamp = value.deliveryTimeStamp;
  if (typeof stamp !== "string" || Number.isNaN(Date.parse(stamp))) {
    const hint = "deliveryTimestamp" in value
      ? " (found deliveryTimestamp: the S is upper-case)"
      : "";
    problems.push(`deliveryTimeStamp: expected an ISO-8601 time, got ${kindOf(stamp)}${hint}`);
  }
  if (value.elements !== undefined && value.elements !== null) {
    if (!Array.isArray(value.elements)) {
      problems.push(`elements: expected an array, got ${kindOf(value.elements)}`);
    } else {
      value.elements.forEach((element, i) => {
        if (!isRecord(element)) {
          problems.push(`elements[${i}]: expected an object, got ${kindOf(element)}`);
        } else if (typeof element.element !== "string" || element.element === "") {
          problems.push(
            `elements[${i}].element: expected a JSON path string, got ${kindOf(element.element)}`,
          );
        } else if (
          element.timestamp !== undefined && element.timestamp !== null &&
          typeof element.timestamp !== "string"
        ) {
          problems.push(
            `elements[${i}].timestamp: expected a string, got ${kindOf(element.timestamp)}`,
          );
        }
      });
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? text.slice(0, 37) + "..." : text}`;
}
