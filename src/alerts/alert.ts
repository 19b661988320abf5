import { createHash } from "node:crypto";
import type { AlertRule } from "../config/alerts_config.ts";
import { type AlertBatch, type AlertMatchItem, matchAlerts } from "./match_alerts.ts";

/**
 * One message to send: what one rule matched in one batch (digest), or in one notification of
 * it. `id` depends only on what the alert is about, never on when it is sent, so every
 * re-delivery of the batch (a retry, a restart after a crash, a replay) sends the same id and a
 * receiver de-duplicates on it.
 */
export interface Alert {
  /** 32 hex characters; see `alertId`. */
  id: string;
  rule: string;
  registration: string;
  batchSequence: number;
  matches: AlertMatchItem[];
}

/**
 * First 32 hex characters of SHA-256 over the rule name, the registration, the batch sequence
 * and the (sorted, distinct) notification ids the alert is about.
 */
export function alertId(
  rule: string,
  about: { registration: string; batchSequence: number; notificationIds: readonly string[] },
): string {
  const ids = [...new Set(about.notificationIds)].sort();
  return createHash("sha256")
    .update(
      JSON.stringify(["traceone-alert/1", rule, about.registration, about.batchSequence, ids]),
    )
    .digest("hex")
    .slice(0, 32);
}

/** The alerts `batch` gives rise to, rule by rule in rule order. Pure. */
export function buildAlerts(rules: readonly AlertRule[], batch: AlertBatch): Alert[] {
  const alerts: Alert[] = [];
  for (const { rule, matches } of matchAlerts(rules, batch)) {
    if (matches.length === 0) continue;
    const groups = rule.digest ? [matches] : groupByNotification(matches);
    for (const group of groups) {
      alerts.push({
        id: alertId(rule.name, {
          registration: batch.registration,
          batchSequence: batch.sequence,
          notificationIds: group.map((item) => item.notificationId),
        }),
        rule: rule.name,
        registration: batch.registration,
        batchSequence: batch.sequence,
        matches: group,
      });
    }
  }
  return alerts;
}

function groupByNotification(matches: AlertMatchItem[]): AlertMatchItem[][] {
  const groups = new Map<string, AlertMatchItem[]>();
  for (const item of matches) {
    const group = groups.get(item.notificationId) ?? [];
    group.push(item);
    groups.set(item.notificationId, group);
  }
  return [...groups.values()];
}
