/** The timestamp spellings Direct+ mixes on the wire (see dnb-direct-plus.md §2.2, §3). */

/** `2024-02-25T16:21:07.593Z`: transactionTimestamp and deliveryTimeStamp. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2024-02-22T11:07:46Z`: element timestamps, lastUpdatedDate, replayStartTimestamp. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** `2021-01-27 11:52:18`: the registration's createdDate has no `T` and no zone. */
export function createdDateText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

const SECOND_PRECISION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Parses a replayStartTimestamp; D&B documents second precision only, so anything else is null. */
export function parseSecondPrecision(text: string): number | null {
  if (!SECOND_PRECISION.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
