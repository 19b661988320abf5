import type { Notification } from "../model/payload.ts";
import type { Batch, JournaledNotification } from "../sinks/sink.ts";
import { type DeadLetter, DeadLetters } from "./dead_letters.ts";
import { deliverySecond, IdIndex, type IndexedItem, type IndexSnapshot } from "./id_index.ts";
import { joinParts, MAX_PART_BYTES, splitIntoParts } from "./kv_chunks.ts";

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
  /** KV values holding the notifications; chunks numbered beyond are leftovers of a crash. */
  chunks: number;
  /** Where the batch came from: a pull, a replay, a D&B push file, or code that handed it in. */
  source: BatchSource;
}

export type BatchSource = "pull" | "replay" | "handed_in" | "push_file";

export interface AppendInput {
  notifications: JournaledNotification[];
  /** Notifications that failed validation: written, in the same commit, as dead letters. */
  deadLetters?: DeadLetter[];
  pulledAt: Date;
  source: BatchSource;
  /** When given, the commit succeeds only while this entry is unchanged (a held lease). */
  guard?: Deno.KvEntryMaybe<unknown>;
  /** Keys deleted in the same commit that makes the batch exist (the in-flight marker). */
  clear?: Deno.KvKey[];
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

/** One notification inside a chunk: its first (or only) part; further parts have keys of their own. */
interface ChunkItem {
  index: number;
  id: string;
  /** The delivery second: where the id sits in the index. */
  second: number;
  parts: number;
  first: Uint8Array;
}

/**
 * Notifications are packed into chunks of up to one KV value each, so a page of 100 small
 * notifications costs two or three writes rather than a hundred.
 */
interface StoredChunk {
  items: ChunkItem[];
}

interface PlannedSet {
  key: Deno.KvKey;
  value: unknown;
  bytes: number;
}

// Deno KV allows 1,000 mutations and 800 KiB per atomic commit; stay clear of both.
const MAX_COMMIT_MUTATIONS = 900;
const MAX_COMMIT_BYTES = 700 * 1024;
/** Dead letters this small share the batch's commit; larger ones are written before it. */
const MAX_INLINE_DEAD_LETTER_BYTES = 200 * 1024;
const MAX_INLINE_DEAD_LETTER_MUTATIONS = 200;
const KEY_OVERHEAD_BYTES = 120;

const head = (registration: string): Deno.KvKey => ["journal", "head", registration];
const header = (registration: string, sequence: number): Deno.KvKey => [
  "journal",
  "batch",
  registration,
  sequence,
];
const chunkPrefix = (registration: string, sequence: number): Deno.KvKey => [
  "journal",
  "chunk",
  registration,
  sequence,
];
const partPrefix = (registration: string, sequence: number): Deno.KvKey => [
  "journal",
  "part",
  registration,
  sequence,
];
/** Batches just journaled, kept for the sinks that read them moments later. */
const RECENT_BATCHES = 32;

/**
 * The journal: every pulled batch, durable in Deno KV before the next pull, until every sink
 * has it and the retention period passed. A batch too large for one atomic commit is written
 * over several, and only the last one — header, id index and head together — makes it exist.
 */
export class Journal {
  readonly #kv: Deno.Kv;
  readonly #index: IdIndex;
  readonly #recent = new Map<string, Batch>();
  /** Per registration: the index as this process's last batch left it, and that head's stamp. */
  readonly #lastIndex = new Map<string, { versionstamp: string; snapshot: IndexSnapshot }>();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
    this.#index = new IdIndex(kv);
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

  /** Which of `notifications` are already journaled for the registration. */
  async known(registration: string, notifications: JournaledNotification[]): Promise<Set<string>> {
    const snapshot = await this.#index.read(registration, notifications.map(indexed));
    return new Set(notifications.filter((n) => snapshot.has(n.id)).map((n) => n.id));
  }

  /**
   * Journals one pulled batch. Notifications already journaled (replay overlap, a re-pull after
   * a crash) are dropped by id; when none is left no batch is made, but dead letters are still
   * written.
   */
  async append(registration: string, input: AppendInput): Promise<AppendResult> {
    const seen = new Set<string>();
    const unique = input.notifications.filter((n) => !seen.has(n.id) && seen.add(n.id));
    const headEntry = await this.#kv.get<JournalHead>(head(registration));
    const items = unique.map(indexed);
    // The head's versionstamp moves with every batch, so an index read after this process's own
    // last batch is still exact: a push file, whose lines share one second, then costs each batch
    // its own ids instead of a re-read of everything that second holds (quadratic).
    const cached = this.#lastIndex.get(registration);
    const snapshot =
      cached?.versionstamp === headEntry.versionstamp && cached.snapshot.covers(items)
        ? cached.snapshot
        : await this.#index.read(registration, items);
    const fresh = unique.filter((n) => !snapshot.has(n.id));
    const duplicates = input.notifications.length - fresh.length;
    const deadLetters = input.deadLetters ?? [];

    const clear = input.clear ?? [];
    // Letters too large to share the batch's commit go first, in commits of their own: one
    // written twice is replaced, so a crash before the batch commit costs nothing.
    const inline = DeadLetters.byteCount(deadLetters) <= MAX_INLINE_DEAD_LETTER_BYTES &&
      DeadLetters.mutationCount(deadLetters) <= MAX_INLINE_DEAD_LETTER_MUTATIONS;
    if (!inline) await new DeadLetters(this.#kv).add(deadLetters);
    const withBatch = inline ? deadLetters : [];
    if (fresh.length === 0) {
      if (withBatch.length > 0 || clear.length > 0) {
        const operation = this.#guarded(this.#kv.atomic().check(headEntry), input.guard);
        for (const key of clear) operation.delete(key);
        await this.#commit(DeadLetters.addTo(operation, withBatch), registration);
      }
      return { batch: null, duplicates };
    }

    const previous = headEntry.value;
    const sequence = (previous?.lastSequence ?? 0) + 1;
    const sets = [...entrySets(registration, sequence, fresh)];
    const batch: BatchHeader = {
      registration,
      sequence,
      pulledAt: input.pulledAt.toISOString(),
      count: fresh.length,
      chunks: sets.filter((set) => set.key[1] === "chunk").length,
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
    const indexWrites = snapshot.additions(fresh.map(indexed));
    let finalMutations = 2 + clear.length + indexWrites.length +
      DeadLetters.mutationCount(withBatch);
    for (const key of clear) final.delete(key);
    let finalBytes = 1024 + indexWrites.reduce((n, w) => n + 40 * (w.value?.length ?? 0), 0) +
      DeadLetters.byteCount(withBatch);
    for (const write of indexWrites) final.set(write.key, write.value);
    DeadLetters.addTo(final, withBatch);
    final.set(header(registration, sequence), batch);
    final.set(head(registration), nextHead);

    const earlier: PlannedSet[][] = [[]];
    let earlierMutations = 0;
    let earlierBytes = 0;
    for (const set of sets) {
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
    this.#lastIndex.delete(registration);
    const committed = await this.#commit(final, registration);
    this.#lastIndex.set(registration, {
      versionstamp: committed,
      snapshot: snapshot.apply(indexWrites),
    });
    this.#remember({
      registration,
      sequence,
      pulledAt: batch.pulledAt,
      notifications: fresh,
    });
    return { batch, duplicates };
  }

  /** How many journaled notifications of the registration were delivered in that second. */
  async countInSecond(registration: string, secondMs: number): Promise<number> {
    return await this.#index.count(registration, Math.floor(secondMs / 1000));
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
    // Purging forgets a batch here too, so a remembered batch is still in the journal.
    const recent = this.#recent.get(`${registration}/${sequence}`);
    if (recent) return recent;
    const batchHeader = await this.readHeader(registration, sequence);
    if (!batchHeader) return null;
    const items = new Map<number, ChunkItem>();
    for await (
      const chunk of this.#kv.list<StoredChunk>({
        prefix: chunkPrefix(registration, sequence),
        end: [...chunkPrefix(registration, sequence), batchHeader.chunks],
      })
    ) {
      for (const item of chunk.value.items) items.set(item.index, item);
    }
    const parts = new Map<string, Uint8Array>();
    if ([...items.values()].some((item) => item.parts > 1)) {
      for await (
        const part of this.#kv.list<Uint8Array>({ prefix: partPrefix(registration, sequence) })
      ) {
        parts.set(`${String(part.key.at(-2))}/${String(part.key.at(-1))}`, part.value);
      }
    }
    const notifications: JournaledNotification[] = [];
    for (let index = 0; index < batchHeader.count; index++) {
      const item = items.get(index);
      if (!item) {
        throw new Error(
          `journal of ${registration}: batch ${sequence} misses notification ${index}`,
        );
      }
      const chunks = [item.first];
      for (let k = 1; k < item.parts; k++) {
        const chunk = parts.get(`${index}/${k}`);
        if (!chunk) {
          throw new Error(
            `journal of ${registration}: batch ${sequence} misses part ${index}/${k}`,
          );
        }
        chunks.push(chunk);
      }
      const raw = joinParts(chunks);
      const notification = JSON.parse(raw) as Notification;
      // As when it was journaled (a SEED often has no elements): sinks rely on the array.
      notification.elements ??= [];
      notifications.push({ id: item.id, raw, notification });
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
    const items: IndexedItem[] = [];
    for await (
      const chunk of this.#kv.list<StoredChunk>({ prefix: chunkPrefix(registration, sequence) })
    ) {
      keys.push(chunk.key);
      items.push(...chunk.value.items.map(({ id, second }) => ({ id, second })));
    }
    for await (const entry of this.#kv.list({ prefix: partPrefix(registration, sequence) })) {
      keys.push(entry.key);
    }
    // The index first: once the header is gone the batch cannot be found to clean it up.
    this.#lastIndex.delete(registration);
    const snapshot = await this.#index.read(registration, items);
    const indexOperation = this.#kv.atomic();
    for (const write of snapshot.removals(items)) {
      if (write.value === null) indexOperation.delete(write.key);
      else indexOperation.set(write.key, write.value);
    }
    await indexOperation.commit();
    // The header goes last: until then the batch is whole enough to be read.
    for (let i = 0; i < keys.length; i += MAX_COMMIT_MUTATIONS) {
      const operation = this.#kv.atomic();
      for (const key of keys.slice(i, i + MAX_COMMIT_MUTATIONS)) operation.delete(key);
      await operation.commit();
    }
    await this.#kv.delete(header(registration, sequence));
    this.#recent.delete(`${registration}/${sequence}`);
  }

  #remember(batch: Batch): void {
    this.#recent.set(`${batch.registration}/${batch.sequence}`, batch);
    if (this.#recent.size > RECENT_BATCHES) {
      this.#recent.delete(this.#recent.keys().next().value!);
    }
  }

  #guarded(operation: Deno.AtomicOperation, guard: Deno.KvEntryMaybe<unknown> | undefined) {
    return guard ? operation.check(guard) : operation;
  }

  /** Commits or throws `JournalConflictError`; returns the commit's versionstamp. */
  async #commit(operation: Deno.AtomicOperation, registration: string): Promise<string> {
    const result = await operation.commit();
    if (!result.ok) throw new JournalConflictError(registration);
    return result.versionstamp;
  }
}

function* entrySets(
  registration: string,
  sequence: number,
  notifications: JournaledNotification[],
): Generator<PlannedSet> {
  let chunk: ChunkItem[] = [];
  let chunkBytes = 0;
  let chunkNumber = 0;
  const flush = (): PlannedSet => {
    const set: PlannedSet = {
      key: [...chunkPrefix(registration, sequence), chunkNumber++],
      value: { items: chunk } satisfies StoredChunk,
      bytes: chunkBytes + KEY_OVERHEAD_BYTES,
    };
    chunk = [];
    chunkBytes = 0;
    return set;
  };
  for (const [index, n] of notifications.entries()) {
    const parts = splitIntoParts(n.raw);
    const itemBytes = parts[0].length + n.id.length + 32;
    if (chunk.length > 0 && chunkBytes + itemBytes > MAX_PART_BYTES) yield flush();
    chunk.push({ index, ...indexed(n), parts: parts.length, first: parts[0] });
    chunkBytes += itemBytes;
    for (let k = 1; k < parts.length; k++) {
      yield {
        key: [...partPrefix(registration, sequence), index, k],
        value: parts[k],
        bytes: parts[k].length + KEY_OVERHEAD_BYTES,
      };
    }
  }
  if (chunk.length > 0) yield flush();
}

function indexed(n: JournaledNotification): IndexedItem {
  return { id: n.id, second: deliverySecond(n.notification.deliveryTimeStamp) };
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
