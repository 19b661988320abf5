import type { PipelineConfig } from "../config/config.ts";
import { backoffDelay } from "../resilience/backoff.ts";
import { type BreakerSnapshot, CircuitBreaker } from "../resilience/circuit_breaker.ts";
import type { Batch, DeliveryReceipt, Sink, SinkHealth, SinkRejectedError } from "../sinks/sink.ts";
import { asRejection, sinkErrorKind } from "../sinks/refusals.ts";
import { withContext } from "../log.ts";
import { sleep } from "../resilience/sleep.ts";
import { inSpan } from "../tracing.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { DeadLetter, DeadLetters } from "./dead_letters.ts";
import type { Journal, JournalHead } from "./journal.ts";

export interface DispatcherOptions {
  kv: Deno.Kv;
  journal: Journal;
  deadLetters: DeadLetters;
  config: PipelineConfig;
  clock?: Clock;
  random?: () => number;
  /** How long an idle worker sleeps before looking for work it was not told about. */
  idlePollMs?: number;
  onDelivered?: (event: DeliveredEvent) => void;
  onFailed?: (event: FailedEvent) => void;
}

export interface DeliveredEvent {
  sink: string;
  registration: string;
  sequence: number;
  notifications: number;
  receipt: DeliveryReceipt;
  durationMs: number;
}

export interface FailedEvent {
  sink: string;
  registration: string;
  sequence: number;
  error: unknown;
  /** Consecutive failures of this batch at this sink. */
  failures: number;
  /** When the next attempt happens, ms since epoch. */
  retryAt: number;
}

/** Where a new sink starts: the oldest retained batch, or only what is journaled from now on. */
export type StartAt = "beginning" | "head";

export interface SinkLag {
  registration: string;
  cursor: number;
  head: number;
  batches: number;
  /** Age of the oldest batch this sink does not have yet, in seconds; 0 when current. */
  seconds: number;
}

export interface SinkStatus {
  name: string;
  health: SinkHealth;
  breaker: BreakerSnapshot;
  lag: SinkLag[];
  /** Batches behind, over all registrations. */
  lagBatches: number;
  lagSeconds: number;
  consecutiveFailures: number;
  lastError: string | null;
  /** Since when the sink has been failing without a success, or null. */
  failingSince: string | null;
  deliveredBatches: number;
  deadLettered: number;
}

interface Job {
  registration: string;
  sequence: number;
  /** The registration's last journaled sequence when the job was picked. */
  head: number;
}

/**
 * `failed`: an outage; the worker backs off before its next attempt at anything. `refused`: the
 * sink refused this batch; only its registration waits, the others go on at once.
 */
type Outcome = "delivered" | "dead_lettered" | "failed" | "refused";

/** Group commit limits: how many batches, and notifications, one `deliverMany` takes at most. */
const GROUP_BATCHES = 20;
const GROUP_NOTIFICATIONS = 2_000;
/** Fewer pending batches than this make a grouping sink wait `GROUP_LINGER_MS` once. */
const GROUP_MIN_BATCHES = 8;
const GROUP_LINGER_MS = 100;

/** How often a sink refused a batch in a row, kept across processes. */
const refusalKey = (sink: string, job: { registration: string; sequence: number }): Deno.KvKey => [
  "refusals",
  sink,
  job.registration,
  job.sequence,
];
/** A refusal count not touched for this long starts again (D&B's replay window). */
const REFUSAL_MEMORY_MS = 14 * 86_400_000;

const cursorKey = (sink: string, registration: string): Deno.KvKey => [
  "cursor",
  sink,
  registration,
];

/**
 * Delivers journaled batches to every sink. Each sink has its own worker, cursor (per
 * registration, in KV), retry loop and circuit breaker, so a slow or dead sink never delays
 * pulling or another sink: it falls behind, waits, and catches up. A cursor moves only after
 * its sink reported success. Notifications a sink keeps refusing as such go to that sink's dead
 * letters after `dead_letter_after` failures of the same batch; an outage is never dead-lettered.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #clock: Clock;
  readonly #workers = new Map<string, SinkWorker>();
  #running = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get sinks(): Sink[] {
    return [...this.#workers.values()].map((w) => w.sink);
  }

  /** Adds a sink; a sink seen before resumes from its cursor whatever `startAt` says. */
  async addSink(sink: Sink, options: { startAt?: StartAt } = {}): Promise<void> {
    if (this.#workers.has(sink.name)) throw new Error(`a sink named ${sink.name} already exists`);
    if (options.startAt === "head") {
      for (const head of await this.#options.journal.heads()) {
        const key = cursorKey(sink.name, head.registration);
        const existing = await this.#options.kv.get<number>(key);
        if (existing.value === null) await this.#options.kv.set(key, head.lastSequence);
      }
    }
    const worker = new SinkWorker(sink, this.#options, this.#clock);
    this.#workers.set(sink.name, worker);
    if (this.#running) worker.start();
  }

  /** Stops a sink's worker and forgets its cursors, so it no longer holds back retention. */
  async removeSink(name: string): Promise<void> {
    const worker = this.#workers.get(name);
    if (!worker) return;
    this.#workers.delete(name);
    await worker.stop(this.#options.config.shutdown_timeout * 1000);
    for await (const entry of this.#options.kv.list({ prefix: ["cursor", name] })) {
      await this.#options.kv.delete(entry.key);
    }
  }

  start(): void {
    this.#running = true;
    for (const worker of this.#workers.values()) worker.start();
  }

  /** Tells the workers there is a new batch. */
  notify(): void {
    for (const worker of this.#workers.values()) worker.wake();
  }

  /** Lets in-flight deliveries finish within `shutdown_timeout`, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    const timeoutMs = this.#options.config.shutdown_timeout * 1000;
    await Promise.all([...this.#workers.values()].map((w) => w.stop(timeoutMs)));
  }

  /**
   * Delivers everything pending, each sink once per batch without waiting between retries;
   * for one-shot commands and tests. Returns, per sink, whether it is now current.
   */
  async deliverPending(): Promise<Record<string, { current: boolean; error: string | null }>> {
    const results: Record<string, { current: boolean; error: string | null }> = {};
    await Promise.all([...this.#workers.values()].map(async (worker) => {
      results[worker.sink.name] = await worker.catchUpOnce();
    }));
    return results;
  }

  /** The lowest cursor of the registration over all sinks: what every sink acknowledged. */
  async acknowledged(registration: string): Promise<number> {
    let lowest = Number.POSITIVE_INFINITY;
    for (const worker of this.#workers.values()) {
      lowest = Math.min(lowest, await worker.cursor(registration));
    }
    return lowest === Number.POSITIVE_INFINITY ? 0 : lowest;
  }

  async status(): Promise<SinkStatus[]> {
    const heads = await this.#options.journal.heads();
    return await Promise.all([...this.#workers.values()].map((w) => w.status(heads)));
  }
}

class SinkWorker {
  readonly sink: Sink;
  readonly #options: DispatcherOptions;
  readonly #clock: Clock;
  readonly #breaker: CircuitBreaker;
  readonly #cursors = new Map<string, number>();
  /** Per batch (`registration/sequence`): ids dead-lettered for this sink, left out on retry. */
  readonly #excluded = new Map<string, Set<string>>();

  /** Per registration: not before this time (ms), after its batch was refused. */
  readonly #heldUntil = new Map<string, number>();
  #stopping: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #pendingWake = false;
  #failures = 0;
  #failingSince: number | null = null;
  #lastError: string | null = null;
  #delivered = 0;
  #deadLettered = 0;
  #rotation = 0;
  #lingered = false;

  constructor(sink: Sink, options: DispatcherOptions, clock: Clock) {
    this.sink = sink;
    this.#options = options;
    this.#clock = clock;
    this.#breaker = new CircuitBreaker({
      name: sink.name,
      failureThreshold: options.config.sink_failure_threshold,
      resetTimeoutMs: options.config.sink_reset_timeout * 1000,
      now: () => clock.now(),
    });
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = new AbortController();
    this.#loop = this.#run(this.#stopping.signal);
  }

  wake(): void {
    this.#pendingWake = true;
    this.#wakeUp?.();
  }

  async stop(timeoutMs: number): Promise<void> {
    const loop = this.#loop;
    if (!loop || !this.#stopping) return;
    // No new work and no more sleeping; an in-flight delivery gets `timeoutMs` to finish.
    this.#stopping.abort(new Error("stopping"));
    this.#wakeUp?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      loop,
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    this.#loop = null;
  }

  async cursor(registration: string): Promise<number> {
    const cached = this.#cursors.get(registration);
    if (cached !== undefined) return cached;
    const stored = await this.#options.kv.get<number>(cursorKey(this.sink.name, registration));
    const value = stored.value ?? 0;
    this.#cursors.set(registration, value);
    return value;
  }

  /**
   * One pass: every registration's pending batches, each once. A refused batch holds only its
   * registration (the others are still delivered); an outage ends the pass.
   */
  async catchUpOnce(): Promise<{ current: boolean; error: string | null }> {
    let refused: string | null = null;
    for (;;) {
      const job = await this.#nextJob();
      if (!job) {
        return refused === null
          ? { current: true, error: null }
          : { current: false, error: refused };
      }
      const outcome = await this.#attempt(job);
      if (outcome === "refused") refused = this.#lastError;
      else if (outcome === "failed") return { current: false, error: this.#lastError };
    }
  }

  async status(heads: JournalHead[]): Promise<SinkStatus> {
    const lag: SinkLag[] = [];
    for (const head of heads) {
      const cursor = await this.cursor(head.registration);
      const behind = Math.max(0, head.lastSequence - cursor);
      let seconds = 0;
      if (behind > 0) {
        const oldest = await this.#options.journal.readHeader(head.registration, cursor + 1);
        if (oldest) seconds = Math.max(0, (this.#clock.now() - Date.parse(oldest.pulledAt)) / 1000);
      }
      lag.push({
        registration: head.registration,
        cursor,
        head: head.lastSequence,
        batches: behind,
        seconds,
      });
    }
    return {
      name: this.sink.name,
      health: this.sink.health(),
      breaker: this.#breaker.snapshot(),
      lag,
      lagBatches: lag.reduce((n, l) => n + l.batches, 0),
      lagSeconds: lag.reduce((n, l) => Math.max(n, l.seconds), 0),
      consecutiveFailures: this.#failures,
      lastError: this.#lastError,
      failingSince: this.#failingSince === null ? null : new Date(this.#failingSince).toISOString(),
      deliveredBatches: this.#delivered,
      deadLettered: this.#deadLettered,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const job = await this.#nextJob();
        if (!job) {
          const held = this.#heldWaitMs();
          if (held === null) await this.#idle(signal);
          else await this.#waitForHold(held, signal);
          continue;
        }
        const breaker = this.#breaker.snapshot();
        if (
          breaker.state === "open" && breaker.retryAt !== null &&
          breaker.retryAt > this.#clock.now()
        ) {
          await this.#clock.sleep(breaker.retryAt - this.#clock.now(), signal);
          continue;
        }
        if (this.#shouldLinger(job)) {
          // Let a few more batches arrive so one group commit stores them all: a fixed cost
          // (fsync, transaction) per group instead of per batch, and less time taken from pulling.
          this.#lingered = true;
          await sleep(GROUP_LINGER_MS, signal);
          continue;
        }
        this.#lingered = false;
        const outcome = await withContext(
          { sink: this.sink.name, registration: job.registration },
          () => this.#attempt(job, signal),
        );
        if (outcome === "failed") {
          const delay = backoffDelay(this.#failures - 1, {
            baseMs: this.#options.config.sink_retry_base_delay * 1000,
            maxMs: this.#options.config.sink_retry_max_delay * 1000,
            random: this.#options.random,
          });
          await this.#clock.sleep(delay, signal);
        }
      } catch (error) {
        if (signal.aborted) return;
        // A fault of the worker itself (KV unreadable): keep the sink alive, slowly.
        this.#lastError = error instanceof Error ? error.message : String(error);
        await this.#clock.sleep(1_000, signal).catch(() => {});
      }
    }
  }

  async #idle(signal: AbortSignal): Promise<void> {
    if (this.#pendingWake) {
      this.#pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#options.idlePollMs ?? 1_000);
      signal.addEventListener("abort", done, { once: true });
      this.#wakeUp = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
    this.#wakeUp = null;
    this.#pendingWake = false;
  }

  /** Until the first held registration may go again; null when none is held. */
  #heldWaitMs(): number | null {
    let first = Number.POSITIVE_INFINITY;
    for (const until of this.#heldUntil.values()) first = Math.min(first, until);
    return first === Number.POSITIVE_INFINITY ? null : Math.max(0, first - this.#clock.now());
  }

  /** Sleeps on the clock until a hold ends; a new batch (`wake`) ends the sleep early. */
  async #waitForHold(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#pendingWake) {
      this.#pendingWake = false;
      return;
    }
    const woken = new AbortController();
    this.#wakeUp = () => woken.abort();
    try {
      await this.#clock.sleep(ms, AbortSignal.any([signal, woken.signal]));
    } catch (error) {
      if (signal.aborted) throw error;
    } finally {
      this.#wakeUp = null;
      this.#pendingWake = false;
    }
  }

  /** Wait once for a fuller group when the sink can group and only a few batches are pending. */
  #shouldLinger(job: Job): boolean {
    return this.sink.deliverMany !== undefined && !this.#lingered && this.#failures === 0 &&
      job.head - job.sequence + 1 < GROUP_MIN_BATCHES;
  }

  /**
   * The next batch this sink lacks, taking registrations in turn so none starves another; a
   * registration whose batch was just refused waits its turn out.
   */
  async #nextJob(): Promise<Job | null> {
    const heads = await this.#options.journal.heads();
    const now = this.#clock.now();
    for (let i = 0; i < heads.length; i++) {
      const head = heads[(this.#rotation + i) % heads.length];
      if ((this.#heldUntil.get(head.registration) ?? 0) > now) continue;
      const cursor = await this.cursor(head.registration);
      if (head.lastSequence > cursor) {
        this.#rotation = (this.#rotation + i + 1) % heads.length;
        return { registration: head.registration, sequence: cursor + 1, head: head.lastSequence };
      }
    }
    return null;
  }

  async #attempt(job: Job, signal?: AbortSignal): Promise<Outcome> {
    if (this.sink.deliverMany && this.#failures === 0 && job.head > job.sequence) {
      const grouped = await this.#attemptGroup(job, signal);
      if (grouped !== null) return grouped;
    }
    const { journal, config } = this.#options;
    const batchKey = `${job.registration}/${job.sequence}`;
    const batch = await journal.read(job.registration, job.sequence);
    if (!batch) {
      // Purged already (every sink had it) or never whole: nothing to deliver.
      await this.#advance(job);
      return "delivered";
    }
    const excluded = this.#excluded.get(batchKey);
    const toDeliver: Batch = excluded
      ? { ...batch, notifications: batch.notifications.filter((n) => !excluded.has(n.id)) }
      : batch;
    const started = this.#clock.now();
    try {
      const receipt = toDeliver.notifications.length > 0
        ? await inSpan("traceone.deliver", {
          attributes: {
            "traceone.sink": this.sink.name,
            "traceone.registration": job.registration,
            "traceone.sequence": job.sequence,
            "traceone.notifications": toDeliver.notifications.length,
          },
        }, () => this.sink.deliver(toDeliver, { signal }))
        : { written: 0 };
      this.#breaker.recordSuccess();
      await this.#advance(job);
      this.#excluded.delete(batchKey);
      await this.#clearRefusals(job);
      this.#heldUntil.delete(job.registration);
      this.#failures = 0;
      this.#failingSince = null;
      this.#delivered++;
      this.#options.onDelivered?.({
        sink: this.sink.name,
        registration: job.registration,
        sequence: job.sequence,
        notifications: toDeliver.notifications.length,
        receipt,
        durationMs: this.#clock.now() - started,
      });
      return "delivered";
    } catch (error) {
      if (signal?.aborted) throw error;
      this.#lastError = error instanceof Error ? error.message : String(error);
      const rejection = asRejection(error, {
        sink: this.sink.name,
        ids: toDeliver.notifications.map((n) => n.id),
      });
      if (rejection === null) {
        this.#failures++;
        this.#failingSince ??= started;
        this.#breaker.recordFailure();
        this.#failed(job, error, this.#failures);
        return "failed";
      }
      // Refusing content is a healthy sink's answer: not for the breaker, and no reason to make
      // the other registrations wait.
      this.#breaker.recordNeutral();
      // Counted in KV: one-shot commands (`pull`, `import`) each try once, and their tries add up.
      const refusals = await this.#countRefusal(job);
      if (refusals >= config.dead_letter_after) {
        await this.#clearRefusals(job);
        this.#heldUntil.delete(job.registration);
        await this.#deadLetter(batch, rejection);
        return "dead_lettered";
      }

      this.#heldUntil.set(
        job.registration,
        this.#clock.now() + backoffDelay(refusals - 1, {
          baseMs: config.sink_retry_base_delay * 1000,
          maxMs: config.sink_retry_max_delay * 1000,
          random: this.#options.random,
        }),
      );
      this.#failed(job, rejection, refusals);
      return "refused";
    }
  }

  #failed(job: Job, error: unknown, failures: number): void {
    this.#options.onFailed?.({
      sink: this.sink.name,
      registration: job.registration,
      sequence: job.sequence,
      error,
      failures,
      retryAt: this.#heldUntil.get(job.registration) ?? this.#breaker.snapshot().retryAt ??
        this.#clock.now(),
    });
  }

  /**
   * Group commit when behind: consecutive batches of one registration in one `deliverMany`.
   * Returns null when there is nothing to group or the group failed; the caller then delivers
   * the first batch alone, so refusals and dead letters are handled batch by batch.
   */
  async #attemptGroup(job: Job, signal?: AbortSignal): Promise<Outcome | null> {
    const batches: Batch[] = [];
    let notifications = 0;
    for (let sequence = job.sequence; sequence <= job.head; sequence++) {
      if (this.#excluded.has(`${job.registration}/${sequence}`)) break;
      const batch = await this.#options.journal.read(job.registration, sequence);
      if (!batch) break;
      if (batches.length > 0 && notifications + batch.notifications.length > GROUP_NOTIFICATIONS) {
        break;
      }
      batches.push(batch);
      notifications += batch.notifications.length;
      if (batches.length >= GROUP_BATCHES) break;
    }
    if (batches.length < 2) return null;
    const started = this.#clock.now();
    let receipt: DeliveryReceipt;
    try {
      receipt = await inSpan("traceone.deliver", {
        attributes: {
          "traceone.sink": this.sink.name,
          "traceone.registration": job.registration,
          "traceone.sequence": batches[0].sequence,
          "traceone.batches": batches.length,
          "traceone.notifications": notifications,
        },
      }, () => this.sink.deliverMany!(batches, { signal }));
    } catch (error) {
      if (signal?.aborted) throw error;
      // A refusal is sorted out batch by batch, where it can be dead-lettered alone.
      if (sinkErrorKind(error) === "refusal") return null;
      this.#breaker.recordFailure();
      this.#failures++;
      this.#failingSince ??= started;
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#failed(job, error, this.#failures);
      return "failed";
    }
    this.#breaker.recordSuccess();
    const last = batches[batches.length - 1];
    await this.#advance({ registration: job.registration, sequence: last.sequence });
    this.#delivered += batches.length;
    const durationMs = this.#clock.now() - started;
    for (const batch of batches) {
      this.#options.onDelivered?.({
        sink: this.sink.name,
        registration: batch.registration,
        sequence: batch.sequence,
        notifications: batch.notifications.length,
        receipt,
        durationMs,
      });
    }
    return "delivered";
  }

  async #deadLetter(batch: Batch, error: SinkRejectedError): Promise<void> {
    const at = new Date(this.#clock.now()).toISOString();
    const byId = new Map(batch.notifications.map((n) => [n.id, n]));
    const letters: DeadLetter[] = error.rejected.flatMap((r) => {
      const notification = byId.get(r.id);
      if (!notification) return [];
      return [{
        sink: this.sink.name,
        registration: batch.registration,
        notificationId: r.id,
        raw: notification.raw,
        reason: r.reason,
        at,
        batchSequence: batch.sequence,
      }];
    });
    await this.#options.deadLetters.add(letters);
    const key = `${batch.registration}/${batch.sequence}`;
    const excluded = this.#excluded.get(key) ?? new Set<string>();
    for (const letter of letters) excluded.add(letter.notificationId);
    this.#excluded.set(key, excluded);
    this.#deadLettered += letters.length;
    this.#failures = 0;
  }

  async #countRefusal(job: Job): Promise<number> {
    const key = refusalKey(this.sink.name, job);
    const count = ((await this.#options.kv.get<number>(key)).value ?? 0) + 1;
    await this.#options.kv.set(key, count, { expireIn: REFUSAL_MEMORY_MS });
    return count;
  }

  async #clearRefusals(job: Job): Promise<void> {
    await this.#options.kv.delete(refusalKey(this.sink.name, job));
  }

  async #advance(job: { registration: string; sequence: number }): Promise<void> {
    await this.#options.kv.set(cursorKey(this.sink.name, job.registration), job.sequence);
    this.#cursors.set(job.registration, job.sequence);
  }
}
