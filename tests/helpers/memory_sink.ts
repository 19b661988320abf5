import {
  type Batch,
  type DeliveryReceipt,
  type Sink,
  type SinkHealth,
  SinkRejectedError,
  SinkStats,
} from "../../src/sinks/sink.ts";

/** An in-memory sink whose behaviour a test scripts: fail, refuse some ids, or store. */
export class MemorySink implements Sink {
  readonly name: string;
  /** Stored notification ids, keyed by id, with how often each was stored. */
  readonly stored = new Map<string, number>();
  readonly deliveries: { registration: string; sequence: number; ids: string[] }[] = [];
  failWith: (() => Error) | null = null;
  /** Ids this sink refuses as such (SinkRejectedError). */
  refuse = new Set<string>();
  attempts = 0;
  readonly #stats = new SinkStats();

  constructor(name: string) {
    this.name = name;
  }

  deliver(batch: Batch): Promise<DeliveryReceipt> {
    this.attempts++;
    if (this.failWith) {
      const error = this.failWith();
      this.#stats.recordError(error);
      return Promise.reject(error);
    }
    const refused = batch.notifications.filter((n) => this.refuse.has(n.id));
    if (refused.length > 0) {
      const error = new SinkRejectedError(
        this.name,
        refused.map((n) => ({ id: n.id, reason: "refused by test" })),
      );
      this.#stats.recordError(error);
      return Promise.reject(error);
    }
    for (const n of batch.notifications) this.stored.set(n.id, (this.stored.get(n.id) ?? 0) + 1);
    this.deliveries.push({
      registration: batch.registration,
      sequence: batch.sequence,
      ids: batch.notifications.map((n) => n.id),
    });
    const receipt = { written: batch.notifications.length };
    this.#stats.recordWrite(receipt);
    return Promise.resolve(receipt);
  }

  health(): SinkHealth {
    return this.#stats.health();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
