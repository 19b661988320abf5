import type { AlertRule } from "../config/alerts_config.ts";
import type { Notification } from "../model/payload.ts";
import { conditionHolds } from "./condition.ts";
import {
  compileElementPattern,
  type ElementPattern,
  matchesAnyElement,
} from "./element_pattern.ts";
import { changeSummary, notificationSummary } from "./summary.ts";

/** What matching reads of a journaled batch (`Batch` of the sinks has this shape). */
export interface AlertBatch {
  registration: string;
  sequence: number;
  notifications: readonly { id: string; notification: Notification }[];
}

/**
 * One thing a rule matched: an element of a notification, or the notification as a whole when
 * the rule names no elements (`types: [TRANSFER]`), in which case `element` is null.
 */
export interface AlertMatchItem {
  notificationId: string;
  duns: string;
  type: string;
  element: string | null;
  previous: unknown;
  current: unknown;
  /** For people: "failure score 45 → 20 (−25)". */
  summary: string;
  deliveryTimestamp: string;
}

export interface RuleMatches {
  rule: AlertRule;
  /** In batch order, then element order; empty when the rule matched nothing. */
  matches: AlertMatchItem[];
}

const compiled = new WeakMap<AlertRule, ElementPattern[]>();

/** What each rule matched in `batch`, one entry per rule in rule order. Pure. */
export function matchAlerts(rules: readonly AlertRule[], batch: AlertBatch): RuleMatches[] {
  return rules.map((rule) => ({ rule, matches: matchRule(rule, batch) }));
}

function matchRule(rule: AlertRule, batch: AlertBatch): AlertMatchItem[] {
  const { match } = rule;
  if (match.registrations.length > 0 && !match.registrations.includes(batch.registration)) {
    return [];
  }
  const patterns = patternsOf(rule);
  const byElement = match.elements.length > 0 || match.condition !== null;
  const items: AlertMatchItem[] = [];
  for (const { id, notification } of batch.notifications) {
    const type = String(notification.type);
    const duns = String(notification.organization?.duns ?? "");
    if (match.types.length > 0 && !match.types.includes(type)) continue;
    if (match.duns.length > 0 && !match.duns.includes(duns)) continue;
    const elements = Array.isArray(notification.elements) ? notification.elements : [];
    const base = {
      notificationId: id,
      duns,
      type,
      deliveryTimestamp: String(notification.deliveryTimeStamp ?? ""),
    };
    if (!byElement) {
      items.push({
        ...base,
        element: null,
        previous: null,
        current: null,
        summary: notificationSummary(type, duns, elements.length),
      });
      continue;
    }
    for (const element of elements) {
      if (typeof element?.element !== "string") continue;
      if (!matchesAnyElement(patterns, element.element)) continue;
      if (match.condition !== null && !conditionHolds(match.condition, element)) continue;
      items.push({
        ...base,
        element: element.element,
        previous: element.previous ?? null,
        current: element.current ?? null,
        summary: changeSummary(element.element, {
          previous: element.previous,
          current: element.current,
          hasPrevious: "previous" in element,
        }),
      });
    }
  }
  return items;
}

function patternsOf(rule: AlertRule): ElementPattern[] {
  let patterns = compiled.get(rule);
  if (patterns === undefined) {
    patterns = rule.match.elements.map(compileElementPattern);
    compiled.set(rule, patterns);
  }
  return patterns;
}
