/**
 * What changed inside a structured value: D&B reports `organization.businessTrading` (an array
 * of objects) or `organization.primaryAddress` (an object) whole, as `previous` and `current`.
 * A person wants the members and items that differ, not two blobs to compare by eye.
 *
 * Values are cut out of the stored text (`raw_json.ts`), so they keep D&B's spelling.
 */
import { rawItems, type RawMember, rawMembers } from "../model/raw_json.ts";

/** One difference, at a path relative to the compared value (`.url`, `[0].name`, `[2]`). */
export interface DiffEntry {
  path: string;
  change: "added" | "removed" | "changed";
  /** JSON text as stored; null for an added entry. */
  previous: string | null;
  /** JSON text as stored; null for a removed entry. */
  current: string | null;
}

/** Deeper than this, a differing value is reported whole: no real D&B value nests so far. */
const MAX_DEPTH = 12;

/**
 * The member- and item-level differences between two JSON texts, or null when the change is
 * not structured (either side is a scalar other than an "empty" marker, or not JSON): the
 * caller then shows `previous → current` as it is. D&B marks an added value with `previous`
 * `[]`, `null` or `""` (or no key) and a removed one with `current` `[]`, so against such a
 * side every member or item of the other one is added or removed.
 *
 * Arrays: items equal on both sides (by value, wherever they moved) are unchanged; of the rest,
 * an added object pairs with the removed object that shares the most equal members with it
 * (at least one) and is shown as one changed item, member by member; what remains is added or
 * removed. Paths of removed items count in `previous`, all others in `current`.
 */
export function jsonDiff(
  previousText: string | null,
  currentText: string | null,
): DiffEntry[] | null {
  const previous = shapeOf(previousText);
  const current = shapeOf(currentText);
  if (previous === null || current === null) return null;
  if (previous.kind === "empty" && current.kind === "empty") return null;
  if (previous.kind === "empty") {
    return current.kind === "empty" ? null : entriesOf(current, "added");
  }
  if (current.kind === "empty") return entriesOf(previous, "removed");
  const entries: DiffEntry[] = [];
  compare(previous, current, { path: "", depth: 0, entries });
  return entries;
}

type Shape =
  | { kind: "empty"; text: string | null }
  | { kind: "object"; text: string; members: RawMember[] }
  | { kind: "array"; text: string; items: string[] };

/** Null for a scalar that is a real value, or text that is no JSON. */
function shapeOf(text: string | null): Shape | null {
  if (text === null) return { kind: "empty", text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || value === "") return { kind: "empty", text };
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: "empty", text };
    const items = rawItems(text);
    return items === null ? null : { kind: "array", text, items };
  }
  if (typeof value === "object") {
    const members = rawMembers(text);
    return members === null ? null : { kind: "object", text, members: lastOfEach(members) };
  }
  return null;
}

function structured(text: string): Shape | null {
  const shape = shapeOf(text);
  return shape?.kind === "object" || shape?.kind === "array" ? shape : null;
}

function entriesOf(shape: Shape, change: "added" | "removed"): DiffEntry[] {
  const parts: [string, string][] = shape.kind === "object"
    ? shape.members.map((member) => [memberPath(member.name), member.raw])
    : shape.kind === "array"
    ? shape.items.map((item, index) => [`[${index}]`, item])
    : [];
  return parts.map(([path, text]) => ({
    path,
    change,
    previous: change === "removed" ? text : null,
    current: change === "added" ? text : null,
  }));
}

interface Walk {
  path: string;
  depth: number;
  entries: DiffEntry[];
}

function compare(previous: Shape, current: Shape, walk: Walk): void {
  if (previous.kind === "object" && current.kind === "object") {
    compareObjects(previous.members, current.members, walk);
  } else if (previous.kind === "array" && current.kind === "array") {
    compareArrays(previous.items, current.items, walk);
  } else if (!sameValue(previous.text ?? "null", current.text ?? "null")) {
    walk.entries.push({
      path: walk.path,
      change: "changed",
      previous: previous.text,
      current: current.text,
    });
  }
}

function compareObjects(previous: RawMember[], current: RawMember[], walk: Walk): void {
  const before = new Map(previous.map((member) => [member.name, member.raw]));
  const after = new Map(current.map((member) => [member.name, member.raw]));
  for (const member of previous) {
    if (!after.has(member.name)) {
      walk.entries.push({
        path: walk.path + memberPath(member.name),
        change: "removed",
        previous: member.raw,
        current: null,
      });
    }
  }
  for (const member of current) {
    const path = walk.path + memberPath(member.name);
    const was = before.get(member.name);
    if (was === undefined) {
      walk.entries.push({ path, change: "added", previous: null, current: member.raw });
    } else {
      compareValues(was, member.raw, { ...walk, path });
    }
  }
}

function compareArrays(previous: string[], current: string[], walk: Walk): void {
  const keys = (items: string[]) => items.map(canonical);
  const before = keys(previous);
  const after = keys(current);
  const matched = new Set<number>();
  const added: number[] = [];
  for (const [index, key] of after.entries()) {
    const found = before.findIndex((other, at) => other === key && !matched.has(at));
    if (found === -1) added.push(index);
    else matched.add(found);
  }
  const removed = before.flatMap((_, index) => matched.has(index) ? [] : [index]);
  const paired = new Set<number>();
  const unpaired: number[] = [];
  for (const index of added) {
    let best = -1;
    let bestScore = 0;
    for (const other of removed) {
      if (paired.has(other)) continue;
      const score = sharedMembers(previous[other], current[index]);
      if (score > bestScore) [best, bestScore] = [other, score];
    }
    if (best === -1) {
      unpaired.push(index);
      continue;
    }
    paired.add(best);
    compareValues(previous[best], current[index], { ...walk, path: `${walk.path}[${index}]` });
  }
  for (const index of removed.filter((other) => !paired.has(other))) {
    walk.entries.push({
      path: `${walk.path}[${index}]`,
      change: "removed",
      previous: previous[index],
      current: null,
    });
  }
  for (const index of unpaired) {
    walk.entries.push({
      path: `${walk.path}[${index}]`,
      change: "added",
      previous: null,
      current: current[index],
    });
  }
}

function compareValues(previous: string, current: string, walk: Walk): void {
  if (sameValue(previous, current)) return;
  const before = walk.depth < MAX_DEPTH ? structured(previous) : null;
  const after = walk.depth < MAX_DEPTH ? structured(current) : null;
  if (before !== null && after !== null && before.kind === after.kind) {
    compare(before, after, { ...walk, depth: walk.depth + 1 });
    return;
  }
  walk.entries.push({ path: walk.path, change: "changed", previous, current });
}

/** How many members two objects have with equal values; 0 unless both are objects. */
function sharedMembers(previous: string, current: string): number {
  const before = structured(previous);
  const after = structured(current);
  if (before?.kind !== "object" || after?.kind !== "object") return 0;
  const values = new Map(before.members.map((member) => [member.name, member.raw]));
  return after.members.filter((member) => {
    const was = values.get(member.name);
    return was !== undefined && sameValue(was, member.raw);
  }).length;
}

/** `.name` for a plain name, `["odd name"]` otherwise, so every path reads back unambiguously. */
function memberPath(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** Equal as values: `1.50` and `1.5` are the same number, key order aside. */
function sameValue(a: string, b: string): boolean {
  return a === b || canonical(a) === canonical(b);
}

/** JSON with sorted keys, for comparing values; never shown. */
function canonical(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record).sort().map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}

function lastOfEach(members: RawMember[]): RawMember[] {
  const last = new Map<string, number>();
  members.forEach((member, index) => last.set(member.name, index));
  return members.filter((member, index) => last.get(member.name) === index);
}
