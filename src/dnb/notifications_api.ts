import type { AuthorizedApi } from "./authorized_api.ts";
import type { DnbClock } from "./dnb_clock.ts";
import { readErrorBody } from "./error_body.ts";
import {
  DnbOutcomeUnknownError,
  DnbProtocolError,
  DnbReferenceUnsendableError,
  DnbRegistrationNotFoundError,
  DnbResponseTooLargeError,
} from "./errors.ts";
import { referenceProblem } from "../model/reference.ts";
import {
  type InvalidNotification,
  type NotificationPage,
  type ParsedNotification,
  parseNotificationPage,
} from "./notification_page.ts";
import { nextReplayStep, type ReplayStep, wholeSecond } from "./replay_paging.ts";
import type { TransportResponse } from "./transport.ts";

/** D&B's best practice for one pull is 1–100 notifications. */
export const MAX_NOTIFICATIONS_LIMIT = 100;
/** What one replay response returns at most, unless configured otherwise. */
export const DEFAULT_REPLAY_MAX = 100;

/**
 * The simulator's code for an unknown registration (`src/sim/codes.ts`). D&B's own code is not
 * documented, so a 404 with any other code is checked against the account's list.
 */
const REGISTRATION_NOT_FOUND_CODES: ReadonlySet<string> = new Set(["21901"]);

export interface PullOptions {
  maxNotifications?: number;
  signal?: AbortSignal;
}

export interface ReplayOptions {
  /** Per response; default and ceiling `replayMax` of the API. */
  maxNotifications?: number;
  signal?: AbortSignal;
  /** Stop after this many replay requests (a bound for very large windows). */
  maxRequests?: number;
}

/** One replay response after de-duplication against what this replay already returned. */
export interface ReplayPage extends NotificationPage {
  /** Notifications in the response, before de-duplication. */
  received: number;
  /** Notifications the response repeated because of second-precision overlap; dropped. */
  duplicates: number;
  /**
   * Set when a full response lay inside one second: that second holds more notifications than
   * one response returns, and those past it cannot be re-fetched (ISO, whole second).
   */
  crowdedSecond: string | null;
  /** How many of this response's notifications lie in that second. */
  crowdedReached: number;
  /**
   * True when responses ask for fewer than `replayMax` because a larger one was over the body
   * limit: raising `dnb_api.max_response_bytes` would reach more of a crowded second.
   */
  cutBySize: boolean;
}

export interface NotificationsApiOptions {
  /** Fed with the transaction times and delivery stamps of pull responses. */
  clock?: DnbClock;
  /** The account's registration references, to tell an empty queue from an unknown name. */
  references?: () => Promise<string[]>;
  /** The most one replay response returns (D&B: 100). */
  replayMax?: number;
  /**
   * The body limit a replay may raise itself to once a response was too large: replay answers
   * are idempotent, and all of one pull's notifications share one D&B second, so reading fewer
   * per response cannot reach the rest of that second. Halving comes only after this.
   */
  recoveryResponseBytes?: number;
}

export function clampMaxNotifications(
  value: number | undefined,
  limit: number = MAX_NOTIFICATIONS_LIMIT,
): number {
  if (value === undefined || !Number.isFinite(value)) return 1;
  return Math.min(limit, Math.max(1, Math.floor(value)));
}

/** `replayStartTimestamp` takes whole seconds in UTC: `YYYY-MM-DDTHH:MM:SSZ`. */
export function replayTimestamp(at: Date | number): string {
  return new Date(wholeSecond(new Date(at).getTime())).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Pull and replay: the two reads of the notification queue. */
export class NotificationsApi {
  readonly #api: AuthorizedApi;
  readonly #options: NotificationsApiOptions;
  readonly #listed = new Set<string>();

  constructor(api: AuthorizedApi, options: NotificationsApiOptions = {}) {
    this.#api = api;
    this.#options = options;
  }

  get replayMax(): number {
    return this.#options.replayMax ?? DEFAULT_REPLAY_MAX;
  }

  /**
   * One destructive pull: D&B removes what it returns. Returns null when nothing is queued.
   * Never retried blind: an answer that does not arrive whole is `DnbOutcomeUnknownError`, and
   * an unknown registration is `DnbRegistrationNotFoundError`.
   */
  async pull(reference: string, options: PullOptions = {}): Promise<NotificationPage | null> {
    const path = `${registrationPath(reference)}/notifications`;
    const site = { method: "GET", path, endpoint: "pull" };
    const response = await this.#api.send({
      method: "GET",
      path,
      endpoint: "pull",
      query: { maxNotifications: clampMaxNotifications(options.maxNotifications) },
      expect: [404],
      blindRetry: false,
      signal: options.signal,
    });
    if (response.status === 404) return await this.#emptyOrUnknown(reference, response);
    let page: NotificationPage;
    try {
      page = parseNotificationPage(response.text, {
        reference,
        path,
        invalidUtf8: response.invalidUtf8,
      });
    } catch (error) {
      // A 200 whose body cannot be read may still have dequeued a page.
      if (error instanceof DnbProtocolError) throw new DnbOutcomeUnknownError(site, error);
      throw error;
    }
    this.#observe(page, response);
    return page;
  }

  /**
   * Re-reads notifications delivered after `since` (D&B keeps them 14 days after the pull).
   * Pages on the newest `deliveryTimeStamp`; since the start is whole seconds while stamps have
   * milliseconds, responses overlap, and what this replay already returned is dropped by id.
   * Every full response moves the start forward, so the replay always ends.
   */
  async *replay(
    reference: string,
    since: Date,
    options: ReplayOptions = {},
  ): AsyncGenerator<ReplayPage> {
    let max = clampMaxNotifications(options.maxNotifications ?? this.replayMax, this.replayMax);
    let raised = false;
    const path = `${registrationPath(reference)}/notifications/replay`;
    const seen = new Map<string, number>();
    let startMs = wholeSecond(since.getTime());
    const crowded = new CrowdedSeconds();
    const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
    for (let requests = 0; requests < maxRequests; requests++) {
      let response: TransportResponse;
      try {
        response = await this.#api.send({
          method: "GET",
          path,
          endpoint: "replay",
          query: { replayStartTimestamp: replayTimestamp(startMs), maxNotifications: max },
          expect: [404],
          maxResponseBytes: raised ? this.#options.recoveryResponseBytes : undefined,
          signal: options.signal,
        });
      } catch (error) {
        if (!(error instanceof DnbResponseTooLargeError)) throw error;
        // First the same request with the recovery limit: it keeps the whole second reachable.
        if (!raised && this.#options.recoveryResponseBytes !== undefined) {
          raised = true;
          continue;
        }
        // Then D&B's advice: ask for fewer. One notification that alone is too large stops the
        // replay here, with the error that says which limit to raise.
        if (max === 1) throw error;
        max = Math.ceil(max / 2);
        continue;
      }
      if (response.status === 404) {
        await this.#emptyOrUnknown(reference, response);
        break;
      }
      const page = parseNotificationPage(response.text, {
        reference,
        path,
        invalidUtf8: response.invalidUtf8,
      });
      // The stamps are old; the transaction time is now, on D&B's clock.
      this.#options.clock?.observeInstant(page.transactionTimestamp, response);
      const received = page.notifications.length + page.invalid.length;
      const stamps = pageStamps(page);
      const step = nextReplayStep({ startMs, stampsMs: stamps.all, received, max });
      const report = crowded.next(step, stamps.byId);
      const fresh = keepUnseen(page, seen, stamps);
      if (step.nextStartMs !== null) {
        // Only the second the next request starts in can come back.
        for (const [id, stampMs] of seen) if (stampMs < step.nextStartMs) seen.delete(id);
      }
      yield {
        ...page,
        notifications: fresh.notifications,
        invalid: fresh.invalid,
        received,
        duplicates: received - fresh.count,
        crowdedSecond: report === null ? null : replayTimestamp(report.secondMs),
        crowdedReached: report?.reached ?? 0,
        cutBySize: max < this.replayMax,
      };
      if (step.nextStartMs === null) break;
      startMs = step.nextStartMs;
    }
    // A boundary left open at the end: nothing showed its stamps again, so it was crowded.
    const last = crowded.finish();
    if (last !== null) {
      yield {
        reference,
        transactionID: null,
        transactionTimestamp: null,
        notifications: [],
        invalid: [],
        received: 0,
        duplicates: 0,
        crowdedSecond: replayTimestamp(last.secondMs),
        crowdedReached: last.reached,
        cutBySize: max < this.replayMax,
      };
    }
  }

  /** A 404: null for an empty queue; an unknown registration throws. */
  async #emptyOrUnknown(reference: string, response: TransportResponse): Promise<null> {
    const error = readErrorBody(response.text);
    if (error.errorCode !== null && REGISTRATION_NOT_FOUND_CODES.has(error.errorCode)) {
      const known = await this.#options.references?.().catch(() => null) ?? null;
      throw new DnbRegistrationNotFoundError(
        reference,
        `D&B answered 404 ${error.errorCode}${error.errorMessage ? ` ${error.errorMessage}` : ""}` +
          (known === null ? "" : `; the account's registrations: ${listed(known)}`),
      );
    }
    if (this.#listed.has(reference) || !this.#options.references) return null;
    let references: string[];
    try {
      references = await this.#options.references();
    } catch {
      // Without the list the 404 cannot be told apart; it is the documented empty queue.
      return null;
    }
    for (const listed of references) this.#listed.add(listed);
    if (this.#listed.has(reference)) return null;
    throw new DnbRegistrationNotFoundError(
      reference,
      `D&B answered 404 and the account's ${references.length} registration(s) do not include ` +
        `it: ${listed(references)}`,
    );
  }

  #observe(page: NotificationPage, response: TransportResponse): void {
    const clock = this.#options.clock;
    if (!clock) return;
    clock.observeInstant(page.transactionTimestamp, response);
    // A stamp was made before the answer left, but maybe not after the request did (D&B may
    // stamp from a clock read earlier): the newest bounds D&B's clock from below only.
    const newest = newestStampMs(page);
    if (newest !== null) clock.observeLowerBound(new Date(newest).toISOString(), response);
  }
}

/**
 * Which crowded seconds a replay names, each once. A second reached on the boundary of a full
 * response is held until the next response shows whether D&B's "after" is inclusive (the
 * boundary's notifications come back: it can be paged) or strict (they do not: it cannot).
 */
class CrowdedSeconds {
  #pending: { secondMs: number; ids: Set<string> } | null = null;
  readonly #named = new Set<number>();

  next(
    step: ReplayStep,
    stampsById: Map<string, number>,
  ): { secondMs: number; reached: number } | null {
    let report: { secondMs: number; reached: number } | null = null;
    if (this.#pending) {
      const { secondMs, ids } = this.#pending;
      const shownAgain = [...ids].some((id) => stampsById.has(id));
      if (!shownAgain) {
        // Strict: this response, from that second, read the rest of it after its boundary.
        let alsoReached = 0;
        for (const stampMs of stampsById.values()) {
          if (wholeSecond(stampMs) === secondMs) alsoReached++;
        }
        report = this.#name(secondMs, ids.size + alsoReached);
      }
      this.#pending = null;
    }
    if (step.crowdedSecondMs === null) return report;
    if (step.onBoundary) {
      const ids = new Set<string>();
      for (const [id, stampMs] of stampsById) {
        if (wholeSecond(stampMs) === step.crowdedSecondMs) ids.add(id);
      }
      this.#pending = { secondMs: step.crowdedSecondMs, ids };
      return report;
    }
    return this.#name(step.crowdedSecondMs, step.crowdedReached) ?? report;
  }

  finish(): { secondMs: number; reached: number } | null {
    const pending = this.#pending;
    this.#pending = null;
    return pending ? this.#name(pending.secondMs, pending.ids.size) : null;
  }

  #name(secondMs: number, reached: number): { secondMs: number; reached: number } | null {
    if (this.#named.has(secondMs)) return null;
    this.#named.add(secondMs);
    return { secondMs, reached };
  }
}

/** The URL path of a registration; throws `DnbReferenceUnsendableError` for `.` and `..`. */
export function registrationPath(reference: string): string {
  const problem = referenceProblem(reference);
  if (problem !== null) throw new DnbReferenceUnsendableError(reference, problem);
  return `/v1/monitoring/registrations/${encodeURIComponent(reference)}`;
}

/** Delivery stamps in ms: by id, and all of them (an invalid one counts where readable). */
function pageStamps(
  page: Pick<NotificationPage, "notifications" | "invalid">,
): { byId: Map<string, number>; all: number[] } {
  const byId = new Map<string, number>();
  for (const { id, notification } of page.notifications) {
    const ms = Date.parse(notification.deliveryTimeStamp);
    if (!Number.isNaN(ms)) byId.set(id, ms);
  }
  for (const { id, raw } of page.invalid) {
    const ms = rawStamp(raw);
    if (ms !== null) byId.set(id, ms);
  }
  return { byId, all: [...byId.values()] };
}

/** The newest readable delivery stamp of a page (valid or not), in ms, or null. */
export function newestStampMs(
  page: Pick<NotificationPage, "notifications" | "invalid">,
): number | null {
  const all = pageStamps(page).all;
  return all.length > 0 ? Math.max(...all) : null;
}

/** The stamp of a notification that failed validation, if its text has a readable one. */
export function rawStamp(raw: string): number | null {
  const match = /"deliveryTimeStamp"\s*:\s*"([^"]{1,40})"/.exec(raw);
  if (!match) return null;
  const ms = Date.parse(match[1]);
  return Number.isNaN(ms) ? null : ms;
}

function keepUnseen(
  page: NotificationPage,
  seen: Map<string, number>,
  stamps: { byId: Map<string, number> },
): { notifications: ParsedNotification[]; invalid: InvalidNotification[]; count: number } {
  // Without a readable stamp an id cannot age out: it is kept for the whole replay.
  const keep = (id: string) => {
    if (seen.has(id)) return false;
    seen.set(id, stamps.byId.get(id) ?? Number.POSITIVE_INFINITY);
    return true;
  };
  const notifications = page.notifications.filter((item) => keep(item.id));
  const invalid = page.invalid.filter((item) => keep(item.id));
  return { notifications, invalid, count: notifications.length + invalid.length };
}

/** References for a message: all of a short list, the first 20 of a long one. */
function listed(references: string[]): string {
  if (references.length === 0) return "none";
  const shown = references.slice(0, 20).map((r) => JSON.stringify(r)).join(", ");
  return references.length > 20 ? `${shown}, … (${references.length} in all)` : shown;
}
