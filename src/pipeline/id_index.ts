/** A notification as the index sees it: its id and the second of its delivery stamp. */
export interface IndexedItem {
  id: string;
  /** `deliveryTimeStamp` in whole seconds since the epoch. */
  second: number;
}

/** A KV write the caller adds to its atomic commit: set `value`, or delete when null. */
export interface IndexWrite {
  key: Deno.KvKey;
  value: string[] | null;
}

/** Ids per KV value: 1,500 × 33 bytes stays well inside the 64 KiB limit. */
const IDS_PER_PART = 1_500;

const bucketPrefix = (registration: string, second: number): Deno.KvKey => [
  "journal",
  "ids",
  registration,
  second,
];

export function deliverySecond(deliveryTimeStamp: string): number {
  return Math.floor(Date.parse(deliveryTimeStamp) / 1000);
}

/**
 * The journal's id index, bucketed by delivery second. Duplicates only ever come from replay,
 * which re-reads from a whole second on, so a duplicate's id sits in the bucket of its own
 * delivery second. One bucket per second (split in parts when crowded) costs a page of 100
 * notifications one or two index writes instead of a hundred.
 */
export class IdIndex {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** How many ids the bucket of one delivery second holds. */
  async count(registration: string, second: number): Promise<number> {
    let count = 0;
    for await (
      const entry of this.#kv.list<string[]>({ prefix: bucketPrefix(registration, second) })
    ) count += entry.value.length;
    return count;
  }

  /** What the index holds for the seconds of `items`, to check them and plan additions. */
  async read(registration: string, items: IndexedItem[]): Promise<IndexSnapshot> {
    const seconds = [...new Set(items.map((item) => item.second))];
    const buckets = new Map<number, { key: Deno.KvKey; ids: string[] }[]>();
    await Promise.all(seconds.map(async (second) => {
      const parts: { key: Deno.KvKey; ids: string[] }[] = [];
      for await (
        const entry of this.#kv.list<string[]>({ prefix: bucketPrefix(registration, second) })
      ) parts.push({ key: entry.key, ids: entry.value });
      buckets.set(second, parts);
    }));
    return new IndexSnapshot(registration, buckets);
  }
}

/** The index buckets of some seconds, as read: answers lookups and plans changes. */
export class IndexSnapshot {
  readonly #registration: string;
  readonly #buckets: Map<number, { key: Deno.KvKey; ids: string[] }[]>;
  readonly #known = new Set<string>();

  constructor(registration: string, buckets: Map<number, { key: Deno.KvKey; ids: string[] }[]>) {
    this.#registration = registration;
    this.#buckets = buckets;
    for (const parts of buckets.values()) {
      for (const part of parts) for (const id of part.ids) this.#known.add(id);
    }
  }

  has(id: string): boolean {
    return this.#known.has(id);
  }

  /** Whether the snapshot read every second of `items`, so it can answer for all of them. */
  covers(items: IndexedItem[]): boolean {
    return items.every((item) => this.#buckets.has(item.second));
  }

  /**
   * Brings the snapshot up to date with committed `additions` writes, in place: the cost is the
   * writes', not the snapshot's.
   */
  apply(writes: IndexWrite[]): this {
    for (const write of writes) {
      if (write.value === null) continue;
      const second = Number(write.key[3]);
      const parts = this.#buckets.get(second) ?? [];
      const at = parts.findIndex((part) => part.key.at(-1) === write.key.at(-1));
      const part = { key: write.key, ids: write.value };
      if (at >= 0) parts[at] = part;
      else parts.push(part);
      this.#buckets.set(second, parts);
      for (const id of write.value) this.#known.add(id);
    }
    return this;
  }

  /** The writes that add `items` (all absent from the index) to their buckets. */
  additions(items: IndexedItem[]): IndexWrite[] {
    const writes: IndexWrite[] = [];
    for (const [second, ids] of groupBySecond(items)) {
      const key = (part: number): Deno.KvKey => [...bucketPrefix(this.#registration, second), part];
      const last = (this.#buckets.get(second) ?? []).at(-1);
      let part = last ? Number(last.key.at(-1)) : 0;
      let current: string[] = [];
      if (last && last.ids.length < IDS_PER_PART) current = [...last.ids];
      else if (last) part++;
      for (const id of ids) {
        if (current.length >= IDS_PER_PART) {
          writes.push({ key: key(part), value: current });
          part++;
          current = [];
        }
        current.push(id);
      }
      writes.push({ key: key(part), value: current });
    }
    return writes;
  }

  /** The writes that take `items` out of their buckets (deleting emptied parts). */
  removals(items: IndexedItem[]): IndexWrite[] {
    const gone = new Set(items.map((item) => item.id));
    const writes: IndexWrite[] = [];
    for (const second of new Set(items.map((item) => item.second))) {
      for (const part of this.#buckets.get(second) ?? []) {
        const kept = part.ids.filter((id) => !gone.has(id));
        if (kept.length === part.ids.length) continue;
        writes.push({ key: part.key, value: kept.length > 0 ? kept : null });
      }
    }
    return writes;
  }
}

function groupBySecond(items: IndexedItem[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const item of items) {
    const ids = groups.get(item.second) ?? [];
    ids.push(item.id);
    groups.set(item.second, ids);
  }
  return groups;
}
