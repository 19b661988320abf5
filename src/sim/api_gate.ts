/**
 * What stands between a client and a Direct+ handler: the rate limit and the injected faults.
 * Only the API paths pass through here; `/_sim` stays reachable whatever the faults say.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_CODES } from "../model/payload.ts";
import { sleep, waitForAbort } from "./abortable.ts";
import { sendError, type SimEnv } from "./envelope.ts";
import { takeFailRule, takeHang } from "./faults.ts";
import type { SimulatorState } from "./state.ts";

function retryAfter(c: Context<SimEnv>, state: SimulatorState): void {
  const seconds = state.faults.retryAfterSeconds;
  if (seconds !== null) c.header("Retry-After", String(Math.ceil(seconds)));
}

/** Holds the request until the client disconnects or the simulator stops. */
async function hang(c: Context<SimEnv>, state: SimulatorState): Promise<Response> {
  state.counters.hangsInjected++;
  await waitForAbort([c.req.raw.signal, state.closing]);
  // Nobody reads this: the client has gone. It only lets the handler finish.
  return sendError(c, 503, ERROR_CODES.requestTimeout);
}

export function apiGate(state: SimulatorState): MiddlewareHandler<SimEnv> {
  return async function (c, next) {
    state.counters.requests++;
    const faults = state.faults;
    const path = c.req.path;
    if (!state.takeRateToken()) {
      state.counters.rateLimited++;
      retryAfter(c, state);
      return sendError(c, 429, ERROR_CODES.tooManyRequests);
    }
    if (takeHang(faults, path)) return hang(c, state);
    const rule = takeFailRule(faults, path);
    if (rule !== null) {
      state.counters.errorsInjected++;
      if (rule.status === 429) retryAfter(c, state);
      return sendError(c, rule.status as ContentfulStatusCode, rule.errorCode);
    }
    if (state.faultRandom.chance(faults.timeoutRate)) return hang(c, state);
    if (state.faultRandom.chance(faults.errorRate)) {
      state.counters.errorsInjected++;
      return state.faultRandom.chance(0.5)
        ? sendError(c, 500, ERROR_CODES.internalError)
        : sendError(c, 503, ERROR_CODES.requestTimeout);
    }
    // The request signal is touched only when needed: Deno warns on its first use.
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, [c.req.raw.signal, state.closing]);
    state.counters.served++;
    await next();
  };
}
