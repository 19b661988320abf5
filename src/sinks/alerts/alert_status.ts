import type { AlertRule } from "../../config/alerts_config.ts";

import type {
  AlertDestinationKind,
  AlertDestinationStatus,
  AlertRuleStatus,
} from "../../model/alert_status.ts";

export type {
  AlertDeliveryState,
  AlertDestinationKind,
  AlertDestinationStatus,
  AlertRuleStatus,
} from "../../model/alert_status.ts";

/** Keeps `AlertRuleStatus` per rule as the sink sends. */
export class AlertStatusBook {
  readonly #rules = new Map<string, AlertRuleStatus>();

  constructor(rules: readonly AlertRule[]) {
    for (const rule of rules) {
      const kinds: AlertDestinationKind[] = [];
      if (rule.destinations.webhook) kinds.push("webhook");
      if (rule.destinations.email) kinds.push("email");
      this.#rules.set(rule.name, {
        rule: rule.name,
        lastFiredAt: null,
        lastAlertId: null,
        destinations: kinds.map((destination) => ({
          destination,
          state: "never",
          sent: 0,
          failures: 0,
          lastSentAt: null,
          lastAlertId: null,
          lastError: null,
        })),
      });
    }
  }

  fired(rule: string, alertId: string, at: string): void {
    const status = this.#rules.get(rule);
    if (!status) return;
    status.lastFiredAt = at;
    status.lastAlertId = alertId;
  }

  sent(rule: string, destination: AlertDestinationKind, alertId: string, at: string): void {
    const entry = this.#entry(rule, destination);
    if (!entry) return;
    entry.state = "sent";
    entry.sent++;
    entry.lastSentAt = at;
    entry.lastAlertId = alertId;
    entry.lastError = null;
  }

  failed(
    rule: string,
    destination: AlertDestinationKind,
    failure: { refused: boolean; message: string },
  ): void {
    const entry = this.#entry(rule, destination);
    if (!entry) return;
    entry.state = failure.refused ? "refused" : "failed";
    entry.failures++;
    entry.lastError = failure.message;
  }

  /** A copy, in rule order. */
  snapshot(): AlertRuleStatus[] {
    return [...this.#rules.values()].map((status) => ({
      ...status,
      destinations: status.destinations.map((entry) => ({ ...entry })),
    }));
  }

  #entry(rule: string, destination: AlertDestinationKind): AlertDestinationStatus | undefined {
    return this.#rules.get(rule)?.destinations.find((entry) => entry.destination === destination);
  }
}
