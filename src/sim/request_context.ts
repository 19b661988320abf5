/**
 * Gives every request its transaction id and time, echoes the id as `x-request-id`, and dates the
 * response by the simulator's clock (skew included), as a server's `Date` header would.
 */
import type { MiddlewareHandler } from "hono";
import { newTransactionId, type SimEnv } from "./envelope.ts";
import type { SimulatorState } from "./state.ts";

export function requestContext(state: SimulatorState): MiddlewareHandler<SimEnv> {
  return async function (c, next) {
    const transactionId = newTransactionId();
    c.set("transactionId", transactionId);
    const nowMs = state.now();
    c.set("requestTimeMs", nowMs);
    c.header("x-request-id", transactionId);
    c.header("date", new Date(nowMs).toUTCString());
    await next();
  };
}
