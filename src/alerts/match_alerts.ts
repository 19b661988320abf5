import type { AlertCondition, AlertRule } from "../config/alerts_config.ts";
import type { Notification } from "../model/payload.ts";
import { conditionHolds } from "./condition.ts";
import {
  compileElementPattern,
  type ElementPattern,
  matchesAnyElement,
} from "./element_pattern.ts";
import { isStructured, type LeafChange, leafChanges } from "./leaf_changes.ts";
import { changeSummary, notificationSummary, structuredSummary } from "./summary.ts";

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
    const changes: LeafChange[] = [];
    for (const element of elements) {
      if (typeof element?.element !== "string") continue;
      changes.push({
        path: element.element,
        previous: element.previous ?? null,
        current: element.current ?? null,
        hasPrevious: "previous" in element,
      });
    }
    // A FULL_PRODUCT registration sends the whole record as a SEED on each change: its values
    // are there, its previous values are not. So only a condition on the value itself
    // (`below`, `above`) of a path the rule names is checked on them: without a condition, a
    // rule naming `primaryName` would fire on every SEED whether the name changed or not; without
    // a path, `above: 1000` would match postal codes and years; `drops_by` needs what came before.
    if (
      type === "SEED" && notification.organization !== undefined && match.condition !== null &&
      patterns.length > 0
    ) {
      changes.push({
        path: "organization",
        previous: null,
        current: notification.organization,
        hasPrevious: false,
      });
    }
    for (const change of changes) {
      for (const item of matchChange(change, { patterns, condition: match.condition })) {
        items.push({ ...base, ...item });
      }
    }
  }
  return items;
}

/**
 * The element itself when a rule names its path and the values are what the condition reads;
 * else the leaves inside a structured value that the rule names (whole arrays and objects hold
 * the leaf a rule cares about: the paydex inside `organization.businessTrading`).
 */
function matchChange(
  change: LeafChange,
  rule: { patterns: ElementPattern[]; condition: AlertCondition | null },
): Omit<AlertMatchItem, "notificationId" | "duns" | "type" | "deliveryTimestamp">[] {
  const whole = (summary: string) => [{
    element: change.path,
    previous: change.previous,
    current: change.current,
    summary,
  }];
  if (!isStructured(change.previous) && !isStructured(change.current)) {
    if (!matchesAnyElement(rule.patterns, change.path)) return [];
    if (rule.condition !== null && !conditionHolds(rule.condition, change)) return [];
    return whole(changeSummary(change.path, change));
  }
  const leaves = leafChanges(change.path, change);
  const named = rule.patterns.length > 0 && matchesAnyElement(rule.patterns, change.path);
  if (named && rule.condition === null) return whole(structuredSummary(change.path, leaves));
  return leaves
    .filter((leaf) => matchesAnyElement(rule.patterns, leaf.path))
    .filter((leaf) => rule.condition === null || conditionHolds(rule.condition, leaf))
    .map((leaf) => ({
      element: leaf.path,
      previous: leaf.previous,
      current: leaf.current,
      summary: changeSummary(leaf.path, leaf),
    }));
}

function patternsOf(rule: AlertRule): ElementPattern[] {
  let patterns = compiled.get(rule);
  if (patterns === undefined) {
    patterns = rule.match.elements.map(compileElementPattern);
    compiled.set(rule, patterns);
  }
  return patterns;
}
