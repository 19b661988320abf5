/**
 * Everything one simulator knows: registrations, tokens, faults, counters and the simulated
 * clock. Routes read and change it; tests reach it through `RunningSimulator.state`.
 */
import { type KnownNotificationType, NOTIFICATION_TYPES } from "../model/payload.ts";
import { SimClock } from "./clock.ts";
import { isValidDuns } from "./duns.ts";
import { defaultFaults, type Faults, type LossKind } from "./faults.ts";
import { generateQueuedNotification, pickNotificationType, randomDuns } from "./generator.ts";
import { enqueueText } from "./queue.ts";
import { createRandom, type Random } from "./random.ts";
import { SlidingWindowLimit } from "./rate_limit.ts";
import { newRegistration, type RegistrationFields, type SimRegistration } from "./registration.ts";
import { TokenStore } from "./token_store.ts";
import { EXCEPTION_CODE_INVALID_DUNS } from "./codes.ts";
import { checkedAdminToken, newAdminToken } from "./admin_token.ts";

export interface InitialRegistration {
  reference: string;
  duns: string[];
  suppressed?: boolean;
}

export interface SimulatorOptions {
  /** Default "127.0.0.1". */
  hostname?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default "simulator". */
  clientId?: string;
  /** Default "simulator-secret". */
  clientSecret?: string;
  /** Requests in any one-second window on the API; default 5, 0 turns it off. */
  rateLimit?: number;
  /** Highest maxNotifications accepted by pull and replay; default 100. */
  maxNotificationsLimit?: number;
  registrations?: InitialRegistration[];
  /** Trickle rate per registration; default 0 (off). */
  notificationsPerMinute?: number;
  /** Seed of the notification PRNG, for reproducible streams. */
  seed?: number;
  /** Token lifetime in seconds; default 86400. */
  tokenLifetime?: number;
  /** Base time of the simulated clock; default Date.now. */
  now?: () => number;
  /**
   * What `/_sim/*` requires as `Authorization: Bearer <token>`; default 32 random bytes in hex,
   * new for every run.
   */
  adminToken?: string;
}

export interface Counters {
  requests: number;
  served: number;
  /** Notifications handed out by pull. */
  pulled: number;
  /** Notifications handed out by replay. */
  replayed: number;
  rateLimited: number;
  tokensIssued: number;
  errorsInjected: number;
  hangsInjected: number;
  /** Pull responses lost after the notifications were dequeued, by kind. */
  lostAfterDequeue: Record<LossKind, number>;
  /** Notifications inside those lost responses: only the replay log still has them. */
  lostNotifications: number;
}

export interface GenerateRequest {
  count: number;
  /** Cycled in order, so a short run still covers every listed type. */
  types?: readonly KnownNotificationType[];
}

function zeroCounters(): Counters {
  return {
    requests: 0,
    served: 0,
    pulled: 0,
    replayed: 0,
    rateLimited: 0,
    tokensIssued: 0,
    errorsInjected: 0,
    hangsInjected: 0,
    lostAfterDequeue: { reset: 0, hang: 0, error: 0, truncate: 0 },
    lostNotifications: 0,
  };
}

export class SimulatorState {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The bearer token of the admin API (`/_sim/*`). */
  readonly adminToken: string;
  readonly maxNotificationsLimit: number;
  readonly notificationsPerMinute: number;
  readonly clock: SimClock;
  readonly tokens = new TokenStore();
  readonly registrations = new Map<string, SimRegistration>();
  /** Drives notification content only, so fault dice never shift a seeded stream. */
  readonly random: Random;
  readonly faultRandom: Random;
  counters: Counters = zeroCounters();
  readonly #baseRateLimit: number;
  readonly #baseTokenLifetime: number;
  #faults: Faults;
  #limit: SlidingWindowLimit | null = null;
  readonly #closing = new AbortController();

  constructor(options: SimulatorOptions = {}) {
    this.clientId = options.clientId ?? "simulator";
    this.clientSecret = options.clientSecret ?? "simulator-secret";
    this.adminToken = options.adminToken === undefined
      ? newAdminToken()
      : checkedAdminToken(options.adminToken);
    this.maxNotificationsLimit = options.maxNotificationsLimit ?? 100;
    this.notificationsPerMinute = options.notificationsPerMinute ?? 0;
    this.clock = new SimClock(options.now);
    this.random = createRandom(options.seed);
    this.faultRandom = createRandom(options.seed === undefined ? undefined : options.seed ^ 0x5eed);
    this.#baseRateLimit = options.rateLimit ?? 5;
    this.#baseTokenLifetime = options.tokenLifetime ?? 86400;
    this.#faults = defaultFaults(this.#baseRateLimit, this.#baseTokenLifetime);
    this.#rebuildBucket();
    for (const initial of options.registrations ?? []) {
      const registration = this.addRegistration(initial.reference, {
        suppressed: initial.suppressed,
      });
      if (registration === null) {
        throw new RangeError(`registration "${initial.reference}" is listed twice in the options`);
      }
      this.addSubjects(registration, initial.duns);
    }
  }

  /** The simulator's clock, including the injected skew against the client's clock. */
  now(): number {
    return this.clock.now() + this.#faults.clockSkewMs;
  }

  get faults(): Faults {
    return this.#faults;
  }

  set faults(faults: Faults) {
    const rateChanged = faults.rateLimit !== this.#faults.rateLimit;
    this.#faults = faults;
    if (rateChanged) this.#rebuildBucket();
  }

  #rebuildBucket(): void {
    const rate = this.#faults.rateLimit;
    this.#limit = rate > 0 ? new SlidingWindowLimit(rate) : null;
  }

  /** False when the request is over the rate limit. */
  takeRateToken(): boolean {
    return this.#limit === null || this.#limit.tryTake();
  }

  /** Counters and faults back to their start values; registrations stay. */
  reset(): void {
    this.counters = zeroCounters();
    this.#faults = defaultFaults(this.#baseRateLimit, this.#baseTokenLifetime);
    this.#rebuildBucket();
  }

  /** Aborted on shutdown, so hung requests and delays end and the server can stop. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  close(): void {
    this.#closing.abort();
  }

  /**
   * The delivery stamps of a page of `count` handed over now: one millisecond apart and after
   * the registration's previous stamp, ending now — D&B stamps each notification as it hands it
   * over, before it answers (the ALT202 sample: two stamps 8 ms apart in one answer). When the
   * registration's last page was stamped less than `count` ms ago, the stamps run past now, and
   * the pull must not answer before `lastMs`.
   */
  deliveryStampsFor(
    registration: SimRegistration,
    options: { count: number; requestMs: number },
  ): { firstMs: number; lastMs: number } {
    const { count, requestMs } = options;
    const previous = registration.replayLog.at(-1)?.deliveryMs ?? 0;
    // Not before the request arrived (its transactionTimestamp) either.
    const firstMs = Math.max(previous + 1, requestMs, this.now() - (count - 1));
    return { firstMs, lastMs: firstMs + count - 1 };
  }

  /** Null when the reference is taken. */
  addRegistration(reference: string, fields: RegistrationFields = {}): SimRegistration | null {
    if (this.registrations.has(reference)) return null;
    const registration = newRegistration(reference, { ...fields, nowMs: this.now() });
    this.registrations.set(reference, registration);
    return registration;
  }

  /** Adds one subject; false when it was already there. A seeded registration gets its SEED. */
  addSubject(registration: SimRegistration, duns: string): boolean {
    if (registration.subjects.has(duns)) return false;
    registration.subjects.add(duns);
    if (registration.seedData) this.#enqueueGenerated(registration, duns, "SEED");
    return true;
  }

  /** Adds a list as a batch does: invalid lines become Exceptions records. */
  addSubjects(registration: SimRegistration, list: readonly string[]): void {
    for (const duns of list) {
      if (isValidDuns(duns)) {
        this.addSubject(registration, duns);
      } else {
        registration.exceptions.push({
          duns,
          code: EXCEPTION_CODE_INVALID_DUNS,
          information: "Invalid DUNS number",
        });
      }
    }
  }

  #enqueueGenerated(
    registration: SimRegistration,
    duns: string,
    type: KnownNotificationType,
  ): void {
    const malformed = this.faultRandom.chance(this.#faults.malformedRate);
    const nowMs = this.now();
    const queued = generateQueuedNotification(this.random, {
      duns,
      type,
      queuedMs: nowMs,
      malformed,
    });
    enqueueText(registration, {
      text: queued.text,
      nowMs,
      stampAtDelivery: queued.stampAtDelivery,
    });
  }

  /** Generates notifications for the registration's subjects (random DUNS when it has none). */
  generate(registration: SimRegistration, request: GenerateRequest): number {
    const subjects = [...registration.subjects];
    const types = request.types?.length ? request.types : null;
    for (let i = 0; i < request.count; i++) {
      const duns = subjects.length > 0 ? this.random.pick(subjects) : randomDuns(this.random);
      const type = types ? types[i % types.length] : pickNotificationType(this.random);
      this.#enqueueGenerated(registration, duns, type);
    }
    return request.count;
  }
}

export function isNotificationType(value: unknown): value is KnownNotificationType {
  return typeof value === "string" && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}
