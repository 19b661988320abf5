import type { Notification } from "../dnb/payload.ts";
import type { Batch, JournaledNotification } from "../sinks/sink.ts";
import { type DeadLetter, DeadLetters } from "./dead_letters.ts";
import { joinParts, splitIntoParts } from "./kv_chunks.ts";

/** Per registration: the last journaled batch, and the newest delivery stamp journaled. */
export interface JournalHead {
  registration: string;
  lastSequence: number;
  /** Replay restarts from here after a crash. */
  lastDeliveryTimeStamp: string | null;
  updatedAt: string;
}

export interface BatchHeader {
  registration: string;
  sequence: number;
  pulledAt: string;
  count: number;
  /** Where the batch came from: a pull, a replay, or notifications handed in by code. */
  source: BatchSource;
}

export type BatchSource = "pull" | "replay" | "handed_in";

export interface AppendInput {
  notifications: JournaledNotification[];
  /** Notifications that failed validation: written, in the same commit, as dead letters. */
  deadLetters?: DeadLetter[];
  pulledAt: Date;
  source: BatchSource;
  /** When given, the commit succeeds only while this entry is unchanged (a held lease). */
  guard?: Deno.KvEntryMaybe<unknown>;
}

export interface AppendResult {
  /** The new batch, or null when every notification was already journaled. */
  batch: BatchHeader | null;
  duplicates: number;
}

/** Another writer changed the journal or took the lease between read and commit. */
export class JournalConflictError extends Error {
  readonly code = "JOURNAL_CONFLICT";

  constructor(registration: string) {
    super(
      `journal of ${registration}: another writer committed first (lease lost?); ` +
        "the batch was not journaled and will be recovered by replay",
    );
    this.name = "JournalConflictError";
  }
}

interface StoredEntry {
  id: string;
  parts: number;
  first: Uint8Array;
}

interface PlannedSet {
  key: Deno.KvKey;
  value: unknown;
  bytes: number;
}

// Deno KV allows 1,000 mutations and 800 KiB per atomic commit; stay clear of both.
const MAX_COMMIT_MUTATIONS = 900;
const MAX_COMMIT_BYTES = 700 * 1024;
const KEY_OVERHEAD_BYTES = 120;

const head = (registration: string): Deno.KvKey => ["journal", "head", registration];
const header = (registration: string, sequence: number): Deno.KvKey => [
  "journal",
  "batch",
  registration,
  sequence,
];
const entryPrefix = (registration: string, sequence: number): Deno.KvKey => [
  "journal",
  "entry",
  registration,
  sequence,
];
const partPrefix = (registration: string, sequence: number): Deno.KvKey => [
  "journal",
  "part",
  registration,
  sequence,
];
const idIndex = (registration: string, id: string): Deno.KvKey => [
  "journal",
  "id",
  registration,
  id,
];

/**
 * The journal: every pulled batch, durable in Deno KV before the next pull, until every sink
 * has it and the retention period passed. A batch too large for one atomic commit is written
 * over several, and only the last one — header, id index and head together — makes it exist.
 */
export class Journal {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async head(registration: string): Promise<JournalHead | null> {
    return (await this.#kv.get<JournalHead>(head(registration))).value;
  }

  async heads(): Promise<JournalHead[]> {
    const heads: JournalHead[] = [];
    for await (const entry of this.#kv.list<JournalHead>({ prefix: ["journal", "head"] })) {
      heads.push(entry.value);
    }
    return heads;
  }

  /** Ids among `ids` that are already journaled for the registration. */
  async known(registration: string, ids: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    // getMany takes at most 10 keys.
    for (let i = 0; i < ids.length; i += 10) {
      const slice = ids.slice(i, i + 10);
      const entries = await this.#kv.getMany(slice.map((id) => idIndex(registration, id)));
      entries.forEach((entry, j) => {
        if (entry.versionstamp !== null) known.add(slice[j]);
      });
    }
    return known;
  }

  /**
   * Journals one pulled batch. Notifications already journaled (replay overlap, a re-pull after
   * a crash) are dropped by id; when none is left no batch is made, but dead letters are still
   * written.
   */
  async append(registration: string, input: AppendInput): Promise<AppendResult> {
    const seen = new Set<string>();
    const unique = input.notifications.filter((n) => !seen.has(n.id) && seen.add(n.id));
    const known = await this.known(registration, unique.map((n) => n.id));
    const fresh = unique.filter((n) => !known.has(n.id));
    const duplicates = input.notifications.length - fresh.length;
    const deadLetters = input.deadLetters ?? [];

    const headEntry = await this.#kv.get<JournalHead>(head(registration));
    if (fresh.length === 0) {
      if (deadLetters.length > 0) {
        const operation = this.#guarded(this.#kv.atomic().check(headEntry), input.guard);
        await this.#commit(DeadLetters.addTo(operation, deadLetters), registration);
      }
      return { batch: null, duplicates };
    }

    const previous = headEntry.value;
    const sequence = (previous?.lastSequence ?? 0) + 1;
    const batch: BatchHeader = {
      registration,
      sequence,
      pulledAt: input.pulledAt.toISOString(),
      count: fresh.length,
      source: input.source,
    };
    const newest = newestDelivery(fresh, previous?.lastDeliveryTimeStamp ?? null);
    const nextHead: JournalHead = {
      registration,
      lastSequence: sequence,
      lastDeliveryTimeStamp: newest,
      updatedAt: new Date().toISOString(),
    };

    const final = this.#guarded(this.#kv.atomic().check(headEntry), input.guard);
    let finalMutations = 2 + fresh.length + DeadLetters.mutationCount(deadLetters);
    let finalBytes = 1024 + fresh.length * KEY_OVERHEAD_BYTES;
    for (const n of fresh) final.set(idIndex(registration, n.id), sequence);
    DeadLetters.addTo(final, deadLetters);
    final.set(header(registration, sequence), batch);
    final.set(head(registration), nextHead);

    const earlier: PlannedSet[][] = [[]];
    let earlierMutations = 0;
    let earlierBytes = 0;
    for (const set of entrySets(registration, sequence, fresh)) {
      if (
        finalMutations + 1 <= MAX_COMMIT_MUTATIONS && finalBytes + set.bytes <= MAX_COMMIT_BYTES
      ) {
        final.set(set.key, set.value);
        finalMutations++;
        finalBytes += set.bytes;
        continue;
      }
      if (
        earlierMutations + 1 > MAX_COMMIT_MUTATIONS || earlierBytes + set.bytes > MAX_COMMIT_BYTES
      ) {
        earlier.push([]);
        earlierMutations = 0;
        earlierBytes = 0;
      }
      earlier[earlier.length - 1].push(set);
      earlierMutations++;
      earlierBytes += set.bytes;
    }
    // Entries without a header are invisible: readers go by the header's count, so a crash
    // between these commits leaves nothing half-journaled.
    for (const group of earlier) {
      if (group.length === 0) continue;
      const operation = this.#kv.atomic();
      for (const set of group) operation.set(set.key, set.value);
      await this.#commit(operation, registration);
    }
    await this.#commit(final, registration);
    return { batch, duplicates };
  }

  async readHeader(registration: string, sequence: number): Promise<BatchHeader | null> {
    return (await this.#kv.get<BatchHeader>(header(registration, sequence))).value;
  }

  /** Batch headers with a sequence above `after`, oldest first. */
  async headers(
    registration: string,
    options: { after?: number; limit?: number } = {},
  ): Promise<BatchHeader[]> {
    const headers: BatchHeader[] = [];
    const iterator = this.#kv.list<BatchHeader>({
      prefix: ["journal", "batch", registration],
      start: header(registration, (options.after ?? 0) + 1),
    }, { limit: options.limit });
    for await (const entry of iterator) headers.push(entry.value);
    return headers;
  }

  /** The whole batch with its notifications, or null when it is not (or no longer) there. */
  async read(registration: string, sequence: number): Promise<Batch | null> {
    const batchHeader = await this.readHeader(registration, sequence);
    if (!batchHeader) return null;
    const entries = new Map<number, StoredEntry>();
    for await (
      const entry of this.#kv.list<StoredEntry>({ prefix: entryPrefix(registration, sequence) })
    ) {
      entries.set(entry.key.at(-1) as number, entry.value);
    }
    const parts = new Map<string, Uint8Array>();
    if ([...entries.values()].some((e) => e.parts > 1)) {
      for await (
        const part of this.#kv.list<Uint8Array>({ prefix: partPrefix(registration, sequence) })
      ) {
        parts.set(`${String(part.key.at(-2))}/${String(part.key.at(-1))}`, part.value);
      }
    }
    const notifications: JournaledNotification[] = [];
    for (let index = 0; index < batchHeader.count; index++) {
      const stored = entries.get(index);
      if (!stored) {
        throw new Error(`journal of ${registration}: batch ${sequence} misses entry ${index}`);
      }
      const chunks = [stored.first];
      for (let k = 1; k < stored.parts; k++) {
        const chunk = parts.get(`${index}/${k}`);
        if (!chunk) {
          throw new Error(
            `journal of ${registration}: batch ${sequence} misses part ${index}/${k}`,
          );
        }
        chunks.push(chunk);
      }
      const raw = joinParts(chunks);
      notifications.push({ id: stored.id, raw, notification: JSON.parse(raw) as Notification });
    }
    return {
      registration,
      sequence,
      pulledAt: batchHeader.pulledAt,
      notifications,
    };
  }

  /**
   * Deletes batches every sink acknowledged (`acknowledged(registration)` is the lowest cursor)
   * and that were pulled before `before`. Returns the number of batches removed.
   */
  async purge(options: {
    before: Date;
    acknowledged: (registration: string) => Promise<number>;
  }): Promise<number> {
    let purged = 0;
    const cutoff = options.before.toISOString();
    for (const { registration } of await this.heads()) {
      const acknowledged = await options.acknowledged(registration);
      for (const batchHeader of await this.headers(registration)) {
        if (batchHeader.sequence > acknowledged || batchHeader.pulledAt >= cutoff) break;
        await this.#deleteBatch(registration, batchHeader.sequence);
        purged++;
      }
    }
    return purged;
  }

  async stats(): Promise<
    { batches: number; notifications: number; oldestPulledAt: string | null }
  > {
    let batches = 0;
    let notifications = 0;
    let oldest: string | null = null;
    for await (const entry of this.#kv.list<BatchHeader>({ prefix: ["journal", "batch"] })) {
      batches++;
      notifications += entry.value.count;
      if (oldest === null || entry.value.pulledAt < oldest) oldest = entry.value.pulledAt;
    }
    return { batches, notifications, oldestPulledAt: oldest };
  }

  async #deleteBatch(registration: string, sequence: number): Promise<void> {
    const keys: Deno.KvKey[] = [];
    for await (
      const entry of this.#kv.list<StoredEntry>({ prefix: entryPrefix(registration, sequence) })
    ) {
      keys.push(entry.key, idIndex(registration, entry.value.id));
    }
    for await (const entry of this.#kv.list({ prefix: partPrefix(registration, sequence) })) {
      keys.push(entry.key);
    }
    // The header goes last: until then the batch is whole enough to be read.
    for (let i = 0; i < keys.length; i += MAX_COMMIT_MUTATIONS) {
      const operation = this.#kv.atomic();
      for (const key of keys.slice(i, i + MAX_COMMIT_MUTATIONS)) operation.delete(key);
      await operation.commit();
    }
    await this.#kv.delete(header(registration, sequence));
  }

  #guarded(operation: Deno.AtomicOperation, guard: Deno.KvEntryMaybe<unknown> | undefined) {
    return guard ? operation.check(guard) : operation;
  }

  async #commit(operation: Deno.AtomicOperation, registration: string): Promise<void> {
    const result = await operation.commit();
    if (!result.ok) throw new JournalConflictError(registration);
  }
}

function* entrySets(
  registration: string,
  sequence: number,
  notifications: JournaledNotification[],
): Generator<PlannedSet> {
  for (const [index, n] of notifications.entries()) {
    const parts = splitIntoParts(n.raw);
    const entry: StoredEntry = { id: n.id, parts: parts.length, first: parts[0] };
    yield {
      key: [...entryPrefix(registration, sequence), index],
      value: entry,
      bytes: parts[0].length + KEY_OVERHEAD_BYTES,
    };
    for (let k = 1; k < parts.length; k++) {
      yield {
        key: [...partPrefix(registration, sequence), index, k],
        value: parts[k],
        bytes: parts[k].length + KEY_OVERHEAD_BYTES,
      };
    }
  }
}

function newestDelivery(
  notifications: JournaledNotification[],
  previous: string | null,
): string | null {
  let newest = previous;
  let newestMs = previous ? Date.parse(previous) : Number.NEGATIVE_INFINITY;
  for (const { notification } of notifications) {
    const ms = Date.parse(notification.deliveryTimeStamp);
    if (ms > newestMs) {
      newestMs = ms;
      newest = notification.deliveryTimeStamp;
    }
  }
  return newest;
}
