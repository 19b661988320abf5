/**
 * How sending one alert to one destination went, as a value: the sink sends every alert of a
 * batch to every destination, then decides from all the results at once (design.md: partial
 * failure is a value).
 */
export type SendResult =
  | { ok: true; attempts: number }
  /** Not now: the pipeline retries the batch, and what was sent is not sent again. */
  | { ok: false; kind: "outage"; error: Error }
  /** Never as it is: the alert's notifications may go to the dead letters. */
  | { ok: false; kind: "refusal"; error: Error };
