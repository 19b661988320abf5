/**
 * Exact source text of parts of a JSON text. D&B's bytes are what we store (design.md
 * invariant 7): exponent-form numbers such as `3.0251016094E8`, key order and fields we do not
 * model survive only if values are cut out of the text, never parsed and stringified again.
 *
 * Every function expects valid JSON (callers run `JSON.parse` first) and is iterative: a hostile
 * depth costs no stack.
 */

/** One member of a JSON object: its name, and its name and value as written. */
export interface RawMember {
  name: string;
  /** The name as written, quotes and escapes included. */
  rawName: string;
  /** The value as written, without surrounding white space. */
  raw: string;
}

/** The members of the root object of `text`, in order (duplicates kept); null if no object. */
export function rawMembers(text: string): RawMember[] | null {
  let at = skipSpace(text, 0);
  if (text[at] !== "{") return null;
  const members: RawMember[] = [];
  at = skipSpace(text, at + 1);
  while (at < text.length && text[at] !== "}") {
    // Anything but `"name": value` followed by `,` or `}` is not an object we can cut up; a
    // broken body must give null here, never a loop that makes no progress.
    if (text[at] !== '"') return null;
    const nameEnd = skipString(text, at);
    const rawName = text.slice(at, nameEnd);
    at = skipSpace(text, nameEnd);
    if (text[at] !== ":") return null;
    at = skipSpace(text, at + 1);
    const end = skipValue(text, at);
    if (end === at) return null;
    members.push({ name: JSON.parse(rawName) as string, rawName, raw: text.slice(at, end) });
    at = skipSpace(text, end);
    if (text[at] === ",") at = skipSpace(text, at + 1);
    else if (text[at] !== "}") return null;
  }
  return members;
}

/** The items of the root array of `text`, each as written; null if `text` is no array. */
export function rawItems(text: string): string[] | null {
  let at = skipSpace(text, 0);
  if (text[at] !== "[") return null;
  const items: string[] = [];
  at = skipSpace(text, at + 1);
  while (at < text.length && text[at] !== "]") {
    const end = skipValue(text, at);
    if (end === at) return null;
    items.push(text.slice(at, end));
    at = skipSpace(text, end);
    if (text[at] === ",") at = skipSpace(text, at + 1);
    else if (text[at] !== "]") return null;
  }
  return items;
}

/**
 * The value of member `name` of the root object, as written; the last one wins when a name is
 * repeated, as `JSON.parse` decides. Undefined when absent or when `text` is no object.
 */
export function rawMember(text: string, name: string): string | undefined {
  return rawMembers(text)?.findLast((member) => member.name === name)?.raw;
}

/**
 * Returns the exact source text of each element of the array under `key` in the root object of
 * `text`, or null when there is no such array.
 */
export function rawArrayElements(text: string, key: string): string[] | null {
  const array = rawMember(text, key);
  return array === undefined ? null : rawItems(array);
}

/**
 * Whether `text` is one complete JSON container as far as structure goes: brackets and strings
 * closed in order, nothing after the root but white space. Tokens inside are not checked; this
 * tells a body with one broken value in it (worth salvaging item by item) from a body cut off.
 */
export function isClosedContainer(text: string): boolean {
  const open: string[] = [];
  let at = skipSpace(text, 0);
  if (text[at] !== "{" && text[at] !== "[") return false;
  for (; at < text.length; at++) {
    const char = text[at];
    if (char === '"') {
      const end = skipString(text, at);
      if (text[end - 1] !== '"' || end - 1 === at) return false;
      at = end - 1;
    } else if (char === "{" || char === "[") open.push(char === "{" ? "}" : "]");
    else if (char === "}" || char === "]") {
      if (open.pop() !== char) return false;
      if (open.length === 0) return skipSpace(text, at + 1) === text.length;
    }
  }
  return false;
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
