/**
 * Pull and replay (dnb-direct-plus.md §3.1–3.2). Bodies are assembled from each notification's
 * stored text, so exponent numbers and deliberately malformed items reach the wire unchanged.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { ERROR_CODES } from "../model/payload.ts";
import { sleep, waitForAbort } from "./abortable.ts";
import { SIMULATED_CODES } from "./codes.ts";
import { sendError, sendJsonText, type SimEnv, transactionDetail } from "./envelope.ts";
import { type LossKind, takeLoss, takeOverfill } from "./faults.ts";
import { findRegistration } from "./lookup.ts";
import { dropExpired, replaySince, takeOldest } from "./queue.ts";
import type { SimRegistration, StoredNotification } from "./registration.ts";
import type { SimulatorState } from "./state.ts";
import { parseSecondPrecision } from "./timestamps.ts";

function invalidParameter(c: Context<SimEnv>, parameter: string, description: string): Response {
  return sendError(c, 400, ERROR_CODES.invalidParameters, {
    details: [{ parameter, description }],
  });
}

/** maxNotifications: absent means 1; anything outside 1..limit is refused. */
function readMax(c: Context<SimEnv>, limit: number): number | Response {
  const text = c.req.query("maxNotifications");
  if (text === undefined) return 1;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= limit)) {
    return invalidParameter(
      c,
      "maxNotifications",
      `'maxNotifications' contains Invalid value: '${text}'; it must be between 1 and ${limit}.`,
    );
  }
  return value;
}

/** The registration, if it exists and is delivered by API pull. */
function pullable(c: Context<SimEnv>, state: SimulatorState): SimRegistration | Response {
  const registration = findRegistration(c, state);
  if (registration instanceof Response) return registration;
  if (registration.deliveryTrigger !== "API_PULL") {
    return sendError(c, 400, SIMULATED_CODES.notApiPull);
  }
  return registration;
}

function batchText(
  c: Context<SimEnv>,
  reference: string,
  items: readonly StoredNotification[],
): string {
  const head = JSON.stringify({
    transactionDetail: transactionDetail(c),
    inquiryDetail: { reference },
  });
  const list = items.map((item) => item.text).join(",");
  return `${head.slice(0, -1)},"notifications":[${list}]}`;
}

function sendBatch(
  c: Context<SimEnv>,
  options: { state: SimulatorState; reference: string; items: readonly StoredNotification[] },
): Response {
  const text = batchText(c, options.reference, options.items);
  const { faults } = options.state;
  if (faults.latin1Next > 0) {
    faults.latin1Next--;
    // One byte per character: what a gateway that re-encodes to ISO-8859-1 sends.
    const bytes = Uint8Array.from(text, (char) => {
      const code = char.charCodeAt(0);
      return code <= 0xff ? code : 0x3f;
    });
    return c.body(bytes, 200, { "content-type": "application/json;charset=UTF-8" });
  }
  return sendJsonText(c, text);
}

/**
 * A pull response lost after the notifications left the queue: they are in the replay log only,
 * and the client sees a reset, a hang, a 5xx or half a body.
 */
async function loseResponse(
  c: Context<SimEnv>,
  options: { state: SimulatorState; kind: LossKind; text: string },
): Promise<Response> {
  const { state, kind, text } = options;
  state.counters.lostAfterDequeue[kind]++;
  switch (kind) {
    case "reset":
    case "hang":
      // Without the TCP front (app.request in tests) a reset is the nearest thing: a hang.
      if (kind === "reset") c.env?.resetConnection?.();
      else state.counters.hangsInjected++;
      await waitForAbort([c.req.raw.signal, state.closing]);
      // Nobody reads this: the client has gone.
      return sendError(c, 503, ERROR_CODES.requestTimeout);
    case "error":
      return state.faultRandom.chance(0.5)
        ? sendError(c, 500, ERROR_CODES.internalError)
        : sendError(c, 503, ERROR_CODES.requestTimeout);
    case "truncate": {
      // The declared length is the whole body; the stream ends half-way, so the connection is
      // cut mid-body as a proxy or a dying server would.
      const bytes = new TextEncoder().encode(text);
      const half = bytes.subarray(0, Math.floor(bytes.length / 2));
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.close();
          sent = true;
          controller.enqueue(half);
        },
      });
      return new Response(body, {
        status: 200,
        headers: {
          "content-type": "application/json;charset=UTF-8",
          "content-length": String(bytes.length),
          "x-request-id": c.get("transactionId"),
          date: new Date(state.now()).toUTCString(),
        },
      });
    }
  }
}

function nothing(c: Context<SimEnv>): Response {
  return sendError(c, 404, SIMULATED_CODES.noNotifications);
}

export function notificationRoutes(state: SimulatorState): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.get("/:ref/notifications", async (c) => {
    const registration = pullable(c, state);
    if (registration instanceof Response) return registration;
    const asked = readMax(c, state.maxNotificationsLimit);
    if (asked instanceof Response) return asked;
    const nowMs = state.now();
    dropExpired(registration, nowMs);
    if (registration.suppressed || registration.queue.length === 0) return nothing(c);
    const max = takeOverfill(state.faults, asked);
    const stamps = state.deliveryStampsFor(registration, {
      count: Math.min(max, registration.queue.length),
      requestMs: c.get("requestTimeMs"),
    });
    let next = stamps.firstMs;
    const items = takeOldest(registration, { max, nowMs, stamp: () => next++ });
    // No stamp may be later than the answer that carries it.
    await sleep(stamps.lastMs - state.now(), [state.closing]);
    state.counters.pulled += items.length;
    const kind = takeLoss(state.faults, { registration: registration.reference });
    if (kind !== null) {
      state.counters.lostNotifications += items.length;
      return loseResponse(c, { state, kind, text: batchText(c, registration.reference, items) });
    }
    return sendBatch(c, { state, reference: registration.reference, items });
  });

  routes.get("/:ref/notifications/replay", (c) => {
    const registration = pullable(c, state);
    if (registration instanceof Response) return registration;
    const start = c.req.query("replayStartTimestamp");
    if (start === undefined || start === "") {
      return invalidParameter(c, "replayStartTimestamp", "'replayStartTimestamp' is required.");
    }
    const startMs = parseSecondPrecision(start);
    if (startMs === null) {
      return invalidParameter(
        c,
        "replayStartTimestamp",
        `'replayStartTimestamp' contains Invalid value: '${start}'; expected yyyy-MM-ddTHH:mm:ssZ.`,
      );
    }
    const max = readMax(c, state.maxNotificationsLimit);
    if (max instanceof Response) return max;
    dropExpired(registration, state.now());
    const items = replaySince(registration, { startMs, max });
    if (items.length === 0) return nothing(c);
    state.counters.replayed += items.length;
    return sendBatch(c, { state, reference: registration.reference, items });
  });

  return routes;
}
