import { notificationId } from "../../src/dnb/notification_id.ts";
import type { Notification } from "../../src/model/payload.ts";
import type { JournaledNotification } from "../../src/sinks/sink.ts";

/** A valid UPDATE notification whose content (and so id) depends on `n`. */
export function makeNotification(
  n: number,
  options: { padding?: number; duns?: string } = {},
): Notification {
  return {
    type: "UPDATE",
    organization: { duns: options.duns ?? String(100_000_000 + (n % 7)) },
    elements: [{
      element: "organization.primaryName",
      previous: `Company ${n}`,
      current: `Company ${n} Ltd${"x".repeat(options.padding ?? 0)}`,
      timestamp: "2026-11-01T10:00:00Z",
    }],
    deliveryTimeStamp: new Date(Date.UTC(2026, 10, 1, 10, 0, 0) + n * 37).toISOString(),
  };
}

export function journaled(
  registration: string,
  notifications: Notification[],
): JournaledNotification[] {
  return notifications.map((notification) => ({
    id: notificationId(registration, notification),
    raw: JSON.stringify(notification),
    notification,
  }));
}
