/**
 * Control characters that a terminal would act on instead of showing: C0 except tab and line
 * feed, DEL, C1, and the bidirectional overrides that make text read other than it is stored.
 */
// Matching control characters is the point of this expression.
// deno-lint-ignore no-control-regex
const ACTIVE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `text` as a terminal can show it harmlessly: each active character becomes a visible `\uXXXX`
 * escape. References, reasons and raw JSON come from D&B or from files; an ESC in them must not
 * recolour, move the cursor or rewrite an earlier line of an operator's terminal.
 */
export function terminalSafe(text: string): string {
  return text.replace(ACTIVE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
