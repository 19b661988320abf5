import { rawItems, type RawMember, rawMembers } from "../model/raw_json.ts";
import type { JournaledNotification } from "./sink.ts";

/** One changed element, as D&B wrote it. */
export interface RawElement {
  /** `previous` as written; undefined when D&B sent no such key. */
  previous?: string;
  current?: string;
}

/** A notification cut into the parts formats place, each part as D&B wrote it. */
export interface RawNotification {
  /** Every top-level member, in D&B's order, repeated names included. */
  members: RawMember[];
  /** The value of the member named so (the last one, as `JSON.parse` reads it). */
  member(name: string): RawMember | undefined;
  /** Parallel to `notification.elements`. */
  elements: RawElement[];
}

/**
 * The raw parts of a journaled notification. Formats splice these slices into their output so
 * that values keep D&B's spelling; they never stringify the parse.
 */
export function rawNotification(entry: JournaledNotification): RawNotification {
  const members = rawMembers(entry.raw) ?? [];
  const member = (name: string) => members.findLast((m) => m.name === name);
  const elementsText = member("elements")?.raw;
  const items = elementsText === undefined ? [] : rawItems(elementsText) ?? [];
  return {
    members,
    member,
    elements: items.map((item) => {
      const parts = rawMembers(item) ?? [];
      const find = (name: string) => parts.findLast((m) => m.name === name)?.raw;
      const element: RawElement = {};
      const previous = find("previous");
      const current = find("current");
      if (previous !== undefined) element.previous = previous;
      if (current !== undefined) element.current = current;
      return element;
    }),
  };
}
