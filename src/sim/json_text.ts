/**
 * JSON emission that can write a number exactly as D&B does (`3.0251016094E8`). `JSON.stringify`
 * would normalise it to `302510160.94`, and the point of the simulator is to put the awkward form
 * on the wire.
 */

/** A number whose JSON text is kept verbatim. */
export class RawNumber {
  readonly text: string;

  constructor(text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) {
      throw new RangeError(`not a JSON number: ${text}`);
    }
    this.text = text;
  }
}

export function toJsonText(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) {
    return `[${value.map((item) => item === undefined ? "null" : toJsonText(item)).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${toJsonText(item)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
