import type {
  AlertMatch,
  AlertRule,
  EmailDestinationConfig,
  WebhookDestinationConfig,
} from "../../src/config/alerts_config.ts";
import { notificationId } from "../../src/dnb/notification_id.ts";
import type { Notification, NotificationElement } from "../../src/model/payload.ts";
import type { Batch } from "../../src/sinks/sink.ts";

/** A rule with every list empty, then `match` and the rest as given. */
export function rule(
  name: string,
  match: Partial<AlertMatch>,
  options: {
    digest?: boolean;
    webhook?: WebhookDestinationConfig | null;
    email?: EmailDestinationConfig | null;
  } = {},
): AlertRule {
  return {
    name,
    match: {
      types: [],
      elements: [],
      condition: null,
      duns: [],
      registrations: [],
      ...match,
    },
    digest: options.digest ?? true,
    destinations: { webhook: options.webhook ?? null, email: options.email ?? null },
  };
}

export function condition(
  given: Partial<{ below: number; above: number; drops_by: number; rises_by: number }>,
) {
  return {
    below: given.below ?? null,
    above: given.above ?? null,
    drops_by: given.drops_by ?? null,
    rises_by: given.rises_by ?? null,
  };
}

export const FAILURE_SCORE = "organization.dnbAssessment.failureScore.classScore";

export function update(
  duns: string,
  elements: NotificationElement[],
  at = "2026-11-01T10:00:00.123Z",
): Notification {
  return { type: "UPDATE", organization: { duns }, elements, deliveryTimeStamp: at };
}

export function scoreChange(duns: string, previous: unknown, current: unknown): Notification {
  return update(duns, [{
    element: FAILURE_SCORE,
    previous,
    current,
    timestamp: "2026-11-01T09:00:00Z",
  }]);
}

export function typed(type: string, duns: string): Notification {
  return {
    type,
    organization: { duns },
    elements: [],
    deliveryTimeStamp: "2026-11-01T10:00:01.456Z",
  };
}

export function batch(
  notifications: Notification[],
  options: { registration?: string; sequence?: number } = {},
): Batch {
  const registration = options.registration ?? "TRACEONE_DEMO";
  return {
    registration,
    sequence: options.sequence ?? 1,
    pulledAt: "2026-11-01T10:00:02.000Z",
    notifications: notifications.map((notification) => ({
      id: notificationId(registration, notification),
      raw: JSON.stringify(notification),
      notification,
    })),
  };
}
