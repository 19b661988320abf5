import { parseDnbNumber } from "./dnb_number.ts";
import type { LeafChange } from "./leaf_changes.ts";

// Leaves that are the score itself, so `failureScore.classScore` reads "failure score".
const SCORE_LEAVES = new Set(["value", "scoreValue", "classScore", "rawScore"]);

/**
 * A reader's name for an element path: `organization.dnbAssessment.failureScore.classScore` →
 * "failure score", `organization.primaryName` → "primary name",
 * `organization.dnbAssessment.failureScore.nationalPercentile` → "failure score national
 * percentile". The block (`dnbAssessment`) is left out when there is more below it.
 */
export function elementLabel(path: string): string {
  const segments = path.replace(/\[[^\]]*\]/g, "").split(".").filter((s) => s !== "");
  if (segments[0] === "organization") segments.shift();
  if (segments.length === 0) return path;
  const leaf = segments[segments.length - 1];
  const parent = segments.length >= 2 ? segments[segments.length - 2] : null;
  if (parent === null) return words(leaf);
  if (SCORE_LEAVES.has(leaf)) return words(parent);
  return segments.length >= 3 ? `${words(parent)} ${words(leaf)}` : words(leaf);
}

/**
 * One line about one change: "failure score 45 → 20 (−25)", "primary name "Acme" → "Acme Ltd"",
 * "primary name set to "Acme"".
 */
export function changeSummary(
  path: string,
  values: { previous: unknown; current: unknown; hasPrevious: boolean },
): string {
  return `${elementLabel(path)} ${valueChange(values)}`;
}

/** The values part of a change: "45 → 20 (−25)", "set to "Acme"". */
function valueChange(
  values: { previous: unknown; current: unknown; hasPrevious: boolean },
): string {
  const previous = parseDnbNumber(values.previous);
  const current = parseDnbNumber(values.current);
  if (previous !== null && current !== null) {
    const delta = current - previous;
    const sign = delta < 0 ? "−" : "+";
    return `${show(values.previous)} → ${show(values.current)} (${sign}${
      formatNumber(Math.abs(delta))
    })`;
  }
  if (!values.hasPrevious || values.previous === null) return `set to ${show(values.current)}`;
  return `${show(values.previous)} → ${show(values.current)}`;
}

/**
 * One line about a structured value, by what changed inside it: "business trading:
 * [0].summary[0].totalExperiencesAmount 302510160.94 → 302872977.82 (+362817.48); … and 2 more".
 */
export function structuredSummary(
  path: string,
  leaves: readonly LeafChange[],
): string {
  const label = elementLabel(path);
  if (leaves.length === 0) return `${label} unchanged`;
  const shown = leaves.slice(0, 2).map((leaf) =>
    `${leaf.path.slice(path.length).replace(/^\./, "")} ${valueChange(leaf)}`
  );
  const more = leaves.length > 2 ? `, and ${leaves.length - 2} more` : "";
  return `${label}: ${shown.join("; ")}${more}`;
}

/** One line about a notification that has no element to describe: "TRANSFER of DUNS 804735132". */
export function notificationSummary(type: string, duns: string, elements: number): string {
  const changed = elements === 0
    ? ""
    : ` (${elements} element${elements === 1 ? "" : "s"} changed)`;
  return `${type} of DUNS ${duns}${changed}`;
}

function show(value: unknown): string {
  const number = parseDnbNumber(value);
  if (number !== null) return formatNumber(number);
  if (value === undefined || value === null) return "none";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? "none";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// Enough digits to tell values apart, none of the float noise (0.1 + 0.2).
function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

function words(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
}
