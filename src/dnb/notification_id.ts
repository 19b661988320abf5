import { createHash } from "node:crypto";

/**
 * The id of a notification: D&B gives none. First 32 hex characters of SHA-256 over the
 * registration reference and the canonical JSON (sorted keys) of the notification as received.
 * Replay returns the same content, so the same event always gets the same id.
 */
export function notificationId(reference: string, notification: unknown): string {
  return createHash("sha256")
    .update(reference)
    .update("\n")
    .update(canonicalJson(notification))
    .digest("hex")
    .slice(0, 32);
}

/** JSON with object keys sorted at every depth, no white space. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
    return `{${
      keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}
