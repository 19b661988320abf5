/**
 * Returns the exact source text of each element of the array under `key` in the root object of
 * `text`, or null when there is no such array. `text` must already be valid JSON (callers run
 * `JSON.parse` first): this keeps each notification's bytes as D&B sent them, exponent-form
 * numbers and all, which a parse-and-stringify round trip would not.
 */
export function rawArrayElements(text: string, key: string): string[] | null {
  let at = skipSpace(text, 0);
  if (text[at] !== "{") return null;
  at = skipSpace(text, at + 1);
  while (at < text.length && text[at] !== "}") {
    const keyEnd = skipString(text, at);
    const name = JSON.parse(text.slice(at, keyEnd)) as string;
    at = skipSpace(text, skipSpace(text, keyEnd) + 1);
    if (name === key) return text[at] === "[" ? elementsOf(text, at) : null;
    at = skipSpace(text, skipValue(text, at));
    if (text[at] === ",") at = skipSpace(text, at + 1);
  }
  return null;
}

function elementsOf(text: string, open: number): string[] {
  const elements: string[] = [];
  let at = skipSpace(text, open + 1);
  while (text[at] !== "]") {
    const end = skipValue(text, at);
    elements.push(text.slice(at, end));
    at = skipSpace(text, end);
    if (text[at] === ",") at = skipSpace(text, at + 1);
  }
  return elements;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && " \t\r\n".includes(text[at])) at++;
  return at;
}

/** `at` is on the opening quote; returns the index after the closing quote. */
function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function skipValue(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return skipString(text, at);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const char = text[i];
      if (char === '"') i = skipString(text, i) - 1;
      else if (char === "{" || char === "[") depth++;
      else if (char === "}" || char === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  let i = at;
  while (i < text.length && !",}] \t\r\n".includes(text[i])) i++;
  return i;
}
