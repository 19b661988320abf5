import type { AlertCondition } from "../config/alerts_config.ts";
import { parseDnbNumber } from "./dnb_number.ts";

/**
 * Whether every test of `condition` holds on one element's values. A test that needs a number
 * fails on anything that is none; `drops_by` and `rises_by` also need `previous` to be one, so a
 * score that appears for the first time is neither a drop nor a rise.
 */
export function conditionHolds(
  condition: AlertCondition,
  values: { previous?: unknown; current?: unknown },
): boolean {
  const current = parseDnbNumber(values.current);
  if (current === null) return false;
  const previous = parseDnbNumber(values.previous);
  if (condition.below !== null && !(current < condition.below)) return false;
  if (condition.above !== null && !(current > condition.above)) return false;
  if (
    condition.drops_by !== null && (previous === null || previous - current < condition.drops_by)
  ) {
    return false;
  }
  if (
    condition.rises_by !== null && (previous === null || current - previous < condition.rises_by)
  ) {
    return false;
  }
  return true;
}
