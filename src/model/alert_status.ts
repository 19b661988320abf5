/** What `/status` and the dashboard show of the alert rules (src/sinks/alerts/). */
export type AlertDestinationKind = "webhook" | "email";

/** `never`: nothing sent yet; `failed`: the last try was an outage; `refused`: a refusal. */
export type AlertDeliveryState = "never" | "sent" | "failed" | "refused";

export interface AlertDestinationStatus {
  destination: AlertDestinationKind;
  state: AlertDeliveryState;
  /** Messages that went through since start. */
  sent: number;
  /** Tries that did not, since start. */
  failures: number;
  lastSentAt: string | null;
  lastAlertId: string | null;
  lastError: string | null;
}

/** What `/status` and the dashboard show for one rule. */
export interface AlertRuleStatus {
  rule: string;
  /** When the rule last matched something (an alert was made for it), or null. */
  lastFiredAt: string | null;
  lastAlertId: string | null;
  destinations: AlertDestinationStatus[];
}
