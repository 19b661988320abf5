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

/**
 * JSON with object keys sorted at every depth, no white space. Iterative, with a stack of its
 * own: a notification nested thousands of levels deep (hostile or broken) gets an id like any
 * other and goes to the dead letters, instead of overflowing the call stack and taking its page
 * with it.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Work items: a value to write, or a literal to emit once its container's parts are written.
  const stack: ({ value: unknown } | { text: string })[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ("text" in item) {
      out.push(item.text);
      continue;
    }
    const current = item.value;
    if (Array.isArray(current)) {
      const parts: ({ value: unknown } | { text: string })[] = [{ text: "[" }];
      // Index by index, holes included, as `Array.prototype.map` + `join` wrote them.
      for (let i = 0; i < current.length; i++) {
        if (i > 0) parts.push({ text: "," });
        if (i in current) parts.push({ value: current[i] });
      }
      parts.push({ text: "]" });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
    } else if (current !== null && typeof current === "object") {
      const record = current as Record<string, unknown>;
      const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
      const parts: ({ value: unknown } | { text: string })[] = [{ text: "{" }];
      keys.forEach((key, i) => {
        parts.push({ text: `${i > 0 ? "," : ""}${JSON.stringify(key)}:` });
        parts.push({ value: record[key] });
      });
      parts.push({ text: "}" });
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
    } else {
      out.push(JSON.stringify(current) ?? "null");
    }
  }
  return out.join("");
}

/** How deeply arrays and objects nest in a parsed JSON value (a scalar is 0). Iterative. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: level });
    }
  }
  return deepest;
}
