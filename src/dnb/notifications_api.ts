import type { AuthorizedApi } from "./authorized_api.ts";
import {
  type InvalidNotification,
  type NotificationPage,
  type ParsedNotification,
  parseNotificationPage,
} from "./notification_page.ts";

/** D&B's best practice for one pull is 1–100 notifications. */
export const MAX_NOTIFICATIONS_LIMIT = 100;

export interface PullOptions {
  maxNotifications?: number;
  signal?: AbortSignal;
}

export interface ReplayOptions extends PullOptions {
  /** Stop after this many replay requests (a bound for very large windows). */
  maxRequests?: number;
}

/** One replay response after de-duplication against what this replay already returned. */
export interface ReplayPage extends NotificationPage {
  /** Notifications the response repeated because of second-precision overlap; dropped. */
  duplicates: number;
  /** Set when more notifications share one second than one response holds: the rest of that
   * second cannot be replayed, and this says which second was skipped. */
  skippedSecond: string | null;
}

export function clampMaxNotifications(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return 1;
  return Math.min(MAX_NOTIFICATIONS_LIMIT, Math.max(1, Math.floor(value)));
}

/** `replayStartTimestamp` takes whole seconds in UTC: `YYYY-MM-DDTHH:MM:SSZ`. */
export function replayTimestamp(at: Date | number): string {
  return new Date(Math.floor(new Date(at).getTime() / 1000) * 1000).toISOString()
    .replace(/\.\d{3}Z$/, "Z");
}

/** Pull and replay: the two reads of the notification queue. */
export class NotificationsApi {
  readonly #api: AuthorizedApi;

  constructor(api: AuthorizedApi) {
    this.#api = api;
  }

  /**
   * One destructive pull: D&B removes what it returns. Returns null when nothing is queued
   * (D&B answers 404, whatever its body says).
   */
  async pull(reference: string, options: PullOptions = {}): Promise<NotificationPage | null> {
    const path = `${registrationPath(reference)}/notifications`;
    const response = await this.#api.send({
      method: "GET",
      path,
      endpoint: "pull",
      query: { maxNotifications: clampMaxNotifications(options.maxNotifications) },
      expect: [404],
      signal: options.signal,
    });
    if (response.status === 404) return null;
    return parseNotificationPage(response.text, { reference, path });
  }

  /**
   * Pulls until D&B answers 404 or `maxPulls` requests were made. Lazy: the next pull is sent
   * only when the consumer asks for the next page, so a consumer that stores each page before
   * continuing never has two pages in flight.
   */
  async *drain(
    reference: string,
    options: PullOptions & { maxPulls?: number } = {},
  ): AsyncGenerator<NotificationPage> {
    const maxPulls = options.maxPulls ?? Number.POSITIVE_INFINITY;
    for (let pulls = 0; pulls < maxPulls; pulls++) {
      const page = await this.pull(reference, options);
      if (!page) return;
      yield page;
    }
  }

  /**
   * Re-reads notifications delivered after `since` (D&B keeps them 14 days after the pull).
   * Pages on the last `deliveryTimeStamp`; since the start is whole seconds while stamps have
   * milliseconds, responses overlap, and what this replay already returned is dropped by id.
   */
  async *replay(
    reference: string,
    since: Date,
    options: ReplayOptions = {},
  ): AsyncGenerator<ReplayPage> {
    const maxNotifications = clampMaxNotifications(
      options.maxNotifications ?? MAX_NOTIFICATIONS_LIMIT,
    );
    const path = `${registrationPath(reference)}/notifications/replay`;
    const seen = new Map<string, number>();
    let startMs = Math.floor(since.getTime() / 1000) * 1000;
    const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
    for (let requests = 0; requests < maxRequests; requests++) {
      const response = await this.#api.send({
        method: "GET",
        path,
        endpoint: "replay",
        query: { replayStartTimestamp: replayTimestamp(startMs), maxNotifications },
        expect: [404],
        signal: options.signal,
      });
      if (response.status === 404) return;
      const page = parseNotificationPage(response.text, { reference, path });
      const received = page.notifications.length + page.invalid.length;
      const fresh = keepUnseen(page, seen);
      const newestMs = newestStamp(page.notifications) ?? startMs;
      let nextStartMs = Math.floor(newestMs / 1000) * 1000;
      let skippedSecond: string | null = null;
      if (nextStartMs <= startMs && fresh.count === 0 && received >= maxNotifications) {
        skippedSecond = replayTimestamp(startMs);
        nextStartMs = startMs + 1000;
      }
      nextStartMs = Math.max(nextStartMs, startMs);
      for (const [id, stampMs] of seen) if (stampMs <= nextStartMs) seen.delete(id);
      yield {
        ...page,
        notifications: fresh.notifications,
        invalid: fresh.invalid,
        duplicates: received - fresh.count,
        skippedSecond,
      };
      if (received < maxNotifications) return;
      startMs = nextStartMs;
    }
  }
}

export function registrationPath(reference: string): string {
  return `/v1/monitoring/registrations/${encodeURIComponent(reference)}`;
}

function keepUnseen(
  page: NotificationPage,
  seen: Map<string, number>,
): { notifications: ParsedNotification[]; invalid: InvalidNotification[]; count: number } {
  const notifications = page.notifications.filter((item) => {
    if (seen.has(item.id)) return false;
    seen.set(item.id, Date.parse(item.notification.deliveryTimeStamp));
    return true;
  });
  const invalid = page.invalid.filter((item) => {
    if (seen.has(item.id)) return false;
    // Without a readable stamp it cannot be aged out; keep it for the whole replay.
    seen.set(item.id, Number.POSITIVE_INFINITY);
    return true;
  });
  return { notifications, invalid, count: notifications.length + invalid.length };
}

function newestStamp(notifications: ParsedNotification[]): number | null {
  let newest: number | null = null;
  for (const { notification } of notifications) {
    const stamp = Date.parse(notification.deliveryTimeStamp);
    if (newest === null || stamp > newest) newest = stamp;
  }
  return newest;
}
