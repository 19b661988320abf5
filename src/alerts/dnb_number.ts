// D&B writes numbers as JSON numbers (`3.0251016094E8` among them) and sometimes as strings.
const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The number a D&B value stands for, or null: a finite JSON number, or a string spelling one
 * (`"45"`, `"3.0251016094E8"`, thousands never separated). Anything else (null, `[]`, an object,
 * a code such as `"B"`) is no number, so a numeric condition cannot hold on it.
 */
export function parseDnbNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (!NUMERIC_TEXT.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}
