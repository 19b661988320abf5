import { joinParts, splitIntoParts } from "./kv_chunks.ts";

/** Where a dead letter came from: validation of D&B's payload, or a sink that refused it. */
export const VALIDATION = "validation";

export interface DeadLetter {
  /** The sink that refused it, or `validation` for a notification that failed validation. */
  sink: string;
  registration: string;
  notificationId: string;
  /** The notification's JSON exactly as received. */
  raw: string;
  reason: string;
  /** UTC ISO-8601. */
  at: string;
  /** The journaled batch it belonged to; null for one that failed validation. */
  batchSequence: number | null;
}

/** A dead letter as listed: everything but the raw JSON, which `read` adds. */
export type DeadLetterSummary = Omit<DeadLetter, "raw"> & { key: string; rawBytes: number };

interface StoredHeader extends Omit<DeadLetter, "raw"> {
  parts: number;
  rawBytes: number;
}

const HEADER = "deadletter";
const RAW = "deadletter_raw";

/** `<sink>/<notification id>`: there is one dead letter per notification and sink. */
export function deadLetterKeyText(letter: Pick<DeadLetter, "sink" | "notificationId">): string {
  return `${letter.sink}/${letter.notificationId}`;
}

/** Raw parts per commit: 10 × 60 KB stays inside KV's 800 KB per atomic commit. */
const PARTS_PER_COMMIT = 10;

/**
 * Dead letters in Deno KV, one per (sink, notification), the raw JSON kept whole however large
 * (split across entries like the journal's). Adding the same one twice replaces it.
 */
export class DeadLetters {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Adds the mutations for `letters` to an atomic operation the caller commits. */
  static addTo(operation: Deno.AtomicOperation, letters: DeadLetter[]): Deno.AtomicOperation {
    for (const letter of letters) {
      const { raw, ...rest } = letter;
      const parts = splitIntoParts(raw);
      const header: StoredHeader = {
        ...rest,
        parts: parts.length,
        rawBytes: parts.reduce((n, p) => n + p.length, 0),
      };
      operation.set([HEADER, letter.sink, letter.notificationId], header);
      parts.forEach((part, i) => operation.set([RAW, letter.sink, letter.notificationId, i], part));
    }
    return operation;
  }

  /** How many KV mutations `addTo` makes for these letters. */
  static mutationCount(letters: DeadLetter[]): number {
    return letters.reduce((n, l) => n + 1 + splitIntoParts(l.raw).length, 0);
  }

  /** Roughly how many bytes `addTo` writes for these letters. */
  static byteCount(letters: DeadLetter[]): number {
    return letters.reduce((n, l) => n + 512 + l.raw.length * 3, 0);
  }

  /**
   * Writes letters of any size: each one's raw parts over as many commits as they need, its
   * header last, so a letter is visible only once whole (a crash leaves invisible parts that
   * the next write of the same letter replaces).
   */
  async add(letters: DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      const { raw, ...rest } = letter;
      const parts = splitIntoParts(raw);
      for (let at = 0; at + PARTS_PER_COMMIT < parts.length; at += PARTS_PER_COMMIT) {
        const operation = this.#kv.atomic();
        parts.slice(at, at + PARTS_PER_COMMIT).forEach((part, i) =>
          operation.set([RAW, letter.sink, letter.notificationId, at + i], part)
        );
        await this.#commit(operation, letter);
      }
      const lastAt = Math.max(0, Math.floor((parts.length - 1) / PARTS_PER_COMMIT)) *
        PARTS_PER_COMMIT;
      const header: StoredHeader = {
        ...rest,
        parts: parts.length,
        rawBytes: parts.reduce((n, p) => n + p.length, 0),
      };
      const operation = this.#kv.atomic().set([HEADER, letter.sink, letter.notificationId], header);
      parts.slice(lastAt).forEach((part, i) =>
        operation.set([RAW, letter.sink, letter.notificationId, lastAt + i], part)
      );
      await this.#commit(operation, letter);
    }
  }

  async #commit(operation: Deno.AtomicOperation, letter: DeadLetter): Promise<void> {
    const result = await operation.commit();
    if (!result.ok) throw new DeadLetterWriteError(deadLetterKeyText(letter));
  }

  async list(options: { sink?: string; limit?: number } = {}): Promise<DeadLetterSummary[]> {
    const prefix = options.sink ? [HEADER, options.sink] : [HEADER];
    const letters: DeadLetterSummary[] = [];
    for await (const entry of this.#kv.list<StoredHeader>({ prefix }, { limit: options.limit })) {
      const { parts: _parts, ...summary } = entry.value;
      letters.push({ ...summary, key: deadLetterKeyText(summary) });
    }
    return letters.sort((a, b) => a.at.localeCompare(b.at));
  }

  /** The whole dead letter, raw JSON included, or null. */
  async read(summary: Pick<DeadLetter, "sink" | "notificationId">): Promise<DeadLetter | null> {
    const header = await this.#kv.get<StoredHeader>([HEADER, summary.sink, summary.notificationId]);
    if (!header.value) return null;
    const parts: Uint8Array[] = [];
    for await (
      const entry of this.#kv.list<Uint8Array>({
        prefix: [RAW, summary.sink, summary.notificationId],
      })
    ) parts.push(entry.value);
    const { parts: _parts, rawBytes: _bytes, ...rest } = header.value;
    return { ...rest, raw: joinParts(parts) };
  }

  /** Finds dead letters by key, notification id, or a prefix of either (as git does). */
  async find(query: string): Promise<DeadLetterSummary[]> {
    const all = await this.list();
    const exact = all.filter((l) => l.key === query || l.notificationId === query);
    if (exact.length > 0) return exact;
    return all.filter((l) => l.key.startsWith(query) || l.notificationId.startsWith(query));
  }

  async remove(letter: Pick<DeadLetter, "sink" | "notificationId">): Promise<void> {
    const operation = this.#kv.atomic().delete([HEADER, letter.sink, letter.notificationId]);
    for await (
      const entry of this.#kv.list({ prefix: [RAW, letter.sink, letter.notificationId] })
    ) operation.delete(entry.key);
    await operation.commit();
  }

  async countBySink(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for await (const entry of this.#kv.list<StoredHeader>({ prefix: [HEADER] })) {
      counts[entry.value.sink] = (counts[entry.value.sink] ?? 0) + 1;
    }
    return counts;
  }
}

/** A dead letter's commit was refused by KV (a conflicting write): nothing of it is visible. */
export class DeadLetterWriteError extends Error {
  readonly code = "DEAD_LETTER_WRITE_FAILED";
  readonly key: string;

  constructor(key: string) {
    super(`could not write dead letter ${key} to the state store; it is written again on retry`);
    this.name = "DeadLetterWriteError";
    this.key = key;
  }
}
