/**
 * Realistic Direct+ notifications, as raw JSON text. Shapes follow dnb-direct-plus.md §3.3–3.4:
 * UPDATE elements mix scalars, objects and arrays, use `[]`/`null` for added and removed values,
 * sometimes omit `timestamp`, and money is written in exponent form the way D&B writes it.
 */
import { type KnownNotificationType, NOTIFICATION_TYPES } from "../model/payload.ts";
import { RawNumber, toJsonText } from "./json_text.ts";
import type { Random } from "./random.ts";
import { isoMillis, isoSeconds } from "./timestamps.ts";

export interface GenerateOptions {
  duns: string;
  type: KnownNotificationType;
  deliveryMs: number;
  /** Break one structural rule so clients meet what the malformed-rate fault promises. */
  malformed?: boolean;
}

export interface QueuedOptions {
  duns: string;
  type: KnownNotificationType;
  /** When the change was queued; element timestamps fall before it. */
  queuedMs: number;
  malformed?: boolean;
}

/** A queued notification's text, without the delivery stamp the pull will append. */
export interface QueuedText {
  text: string;
  /** False when the malformed rule dropped the stamp: such an item is delivered without one. */
  stampAtDelivery: boolean;
}

export type MalformedKind =
  | "missingDuns"
  | "elementsNotArray"
  | "missingDeliveryTimeStamp"
  | "typeNotString";

export const MALFORMED_KINDS: readonly MalformedKind[] = [
  "missingDuns",
  "elementsNotArray",
  "missingDeliveryTimeStamp",
  "typeNotString",
];

const NAMES = [
  "GORMAN MANUFACTURING CO INC",
  "ACME WIDGETS LTD",
  "NORTHWIND TRADING SAS",
  "CONTOSO HOLDINGS PLC",
  "FABRIKAM GMBH",
  "TAILSPIN TOYS SARL",
  "WINGTIP BUILDERS LLC",
  "LITWARE ANALYTICS BV",
];
const CITIES = [
  ["US", "SAN FRANCISCO", "94110"],
  ["GB", "LONDON", "EC2A 4NE"],
  ["FR", "PARIS", "75008"],
  ["DE", "BERLIN", "10115"],
  ["NL", "AMSTERDAM", "1012 AB"],
] as const;
const STREETS = ["492 KOLLER ST", "12 HIGH STREET", "8 RUE DE LA PAIX", "UNTER DEN LINDEN 5"];
const STATUSES = ["Active", "Out of business", "Dormant", "Not confirmed"];

function digits(random: Random, count: number): string {
  let text = "";
  for (let i = 0; i < count; i++) text += String(random.int(0, 9));
  return text;
}

export function randomDuns(random: Random): string {
  return digits(random, 9);
}

/** Money in D&B's exponent spelling, e.g. `3.0251016094E8`; the fraction never ends in 0. */
export function exponentNumber(random: Random): RawNumber {
  const fraction = digits(random, random.int(3, 10)).replace(/0+$/, "") || "5";
  return new RawNumber(`${random.int(1, 9)}.${fraction}E${random.int(5, 10)}`);
}

function date(random: Random): string {
  return `20${random.int(18, 25)}-${String(random.int(1, 12)).padStart(2, "0")}-${
    String(random.int(1, 28)).padStart(2, "0")
  }`;
}

function telephone(random: Random): unknown[] {
  return [{ telephoneNumber: digits(random, 10), isdCode: "1", isUnreachable: random.chance(0.1) }];
}

function address(random: Random): Record<string, unknown> {
  const [country, city, postalCode] = random.pick(CITIES);
  return {
    addressCountry: { isoAlpha2Code: country },
    addressLocality: { name: city },
    postalCode,
    streetAddress: { line1: random.pick(STREETS), line2: null },
  };
}

function financials(random: Random): unknown[] {
  return [{
    financialStatementToDate: date(random),
    yearlyRevenue: [{ value: exponentNumber(random), currency: "USD" }],
  }];
}

function employees(random: Random): unknown[] {
  return [{
    value: random.int(1, 25000),
    informationScopeDescription: random.pick(["Consolidated", "Individual"]),
    reliabilityDescription: random.pick(["Actual", "Modelled", "Estimated"]),
  }];
}

function businessTrading(random: Random): unknown[] {
  return [{
    summaryDate: date(random),
    currency: "USD",
    paydexScore: random.int(1, 100),
    totalExperiencesCount: random.int(0, 400),
    totalExperiencesAmount: exponentNumber(random),
  }];
}

type Maker = (random: Random) => unknown;

/** Element paths seen in real notifications, each with a value of its real kind. */
const CATALOGUE: readonly { element: string; make: Maker }[] = [
  { element: "organization.primaryName", make: (r) => r.pick(NAMES) },
  { element: "organization.telephone", make: telephone },
  { element: "organization.registeredAddress", make: address },
  { element: "organization.primaryAddress", make: address },
  {
    element: "organization.dnbAssessment.failureScore.nationalPercentile",
    make: (r) => r.int(1, 100),
  },
  { element: "organization.dnbAssessment.standardRating.scoreDate", make: date },
  {
    element: "organization.corporateLinkage.globalUltimateFamilyTreeMembersCount",
    make: (r) => r.int(1, 5000),
  },
  { element: "organization.financials", make: financials },
  { element: "organization.numberOfEmployees", make: employees },
  { element: "organization.businessTrading", make: businessTrading },
  {
    element: "organization.dunsControlStatus.operatingStatus.description",
    make: (r) => r.pick(STATUSES),
  },
  {
    element: "organization.websiteAddress",
    make: (
      r,
    ) => [{ url: `http://www.${r.pick(["acme", "contoso", "northwind"])}.com`, domainName: null }],
  },
];

function updateElements(random: Random, queuedMs: number): unknown[] {
  const count = random.int(1, 5);
  const pool = [...CATALOGUE];
  // A notification groups changes made at one or two moments before delivery (the VCR batch has 5
  // elements with 2 distinct timestamps).
  const moments = [queuedMs - random.int(3600, 259200) * 1000];
  if (random.chance(0.5)) moments.push(moments[0] + random.int(60, 7200) * 1000);
  const elements: unknown[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) {
    const { element, make } = pool.splice(random.int(0, pool.length - 1), 1)[0];
    const roll = random.next();
    let previous: unknown = make(random);
    let current: unknown = make(random);
    if (roll < 0.15) previous = random.pick([[], null, ""]);
    else if (roll < 0.3) current = [];
    else if (roll < 0.4) current = null;
    const item: Record<string, unknown> = { element, previous, current };
    if (!random.chance(0.25)) item.timestamp = isoSeconds(random.pick(moments));
    elements.push(item);
  }
  return elements;
}

function fullOrganization(random: Random, duns: string): Record<string, unknown> {
  return {
    duns,
    primaryName: random.pick(NAMES),
    tradeStyleNames: [{ name: random.pick(NAMES), priority: 1 }],
    registeredAddress: address(random),
    primaryAddress: address(random),
    telephone: telephone(random),
    websiteAddress: [],
    dunsControlStatus: { operatingStatus: { description: "Active", dnbCode: 9074 } },
    startDate: date(random),
    numberOfEmployees: employees(random),
    financials: financials(random),
    businessTrading: businessTrading(random),
    dnbAssessment: {
      failureScore: { nationalPercentile: random.int(1, 100), classScore: random.int(1, 5) },
      standardRating: { rating: random.pick(["5A2", "3A3", "1R4"]), scoreDate: date(random) },
    },
    corporateLinkage: { globalUltimateFamilyTreeMembersCount: random.int(1, 5000) },
    isStandalone: random.chance(0.4),
  };
}

function breakRule(random: Random, notification: Record<string, unknown>): void {
  switch (random.pick(MALFORMED_KINDS)) {
    case "missingDuns":
      notification.organization = {};
      break;
    case "elementsNotArray":
      notification.elements = random.pick(["unavailable", { element: "organization.primaryName" }]);
      break;
    case "missingDeliveryTimeStamp":
      delete notification.deliveryTimeStamp;
      break;
    case "typeNotString":
      notification.type = random.pick([7, null, ["UPDATE"]]);
      break;
  }
}

/**
 * One notification as it waits in D&B's queue: everything but `deliveryTimeStamp`, which D&B
 * sets when a pull hands it over (dnb-direct-plus.md §3.2). Key order matches the VCR captures,
 * where the stamp comes last, so the pull appends it.
 */
export function generateQueuedNotification(random: Random, options: QueuedOptions): QueuedText {
  const { duns, type, queuedMs } = options;
  const notification: Record<string, unknown> = {
    type,
    organization: type === "SEED" ? fullOrganization(random, duns) : { duns },
    elements: type === "UPDATE" ? updateElements(random, queuedMs) : [],
    deliveryTimeStamp: null,
  };
  if (options.malformed) breakRule(random, notification);
  const stampAtDelivery = "deliveryTimeStamp" in notification;
  delete notification.deliveryTimeStamp;
  return { text: toJsonText(notification), stampAtDelivery };
}

/** One notification as the JSON text D&B would send, delivered at `deliveryMs`. */
export function generateNotificationText(random: Random, options: GenerateOptions): string {
  const queued = generateQueuedNotification(random, {
    duns: options.duns,
    type: options.type,
    queuedMs: options.deliveryMs,
    malformed: options.malformed,
  });
  return queued.stampAtDelivery
    ? appendDeliveryStamp(queued.text, isoMillis(options.deliveryMs))
    : queued.text;
}

/** Adds `"deliveryTimeStamp": stamp` as the last key of a JSON object's text, bytes unchanged. */
export function appendDeliveryStamp(text: string, stamp: string): string {
  const end = text.lastIndexOf("}");
  const body = text.slice(0, end).trimEnd();
  const separator = body.endsWith("{") ? "" : ",";
  return `${body}${separator}"deliveryTimeStamp":${JSON.stringify(stamp)}}`;
}

/** Mostly UPDATEs, as a live registration sees; every type still shows up in a long stream. */
export function pickNotificationType(random: Random): KnownNotificationType {
  const roll = random.next();
  if (roll < 0.6) return "UPDATE";
  if (roll < 0.7) return "SEED";
  return random.pick(NOTIFICATION_TYPES.filter((type) => type !== "UPDATE" && type !== "SEED"));
}
