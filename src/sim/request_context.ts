/** Gives every request its transaction id and time, and echoes the id as `x-request-id`. */
import type { MiddlewareHandler } from "hono";
import { newTransactionId, type SimEnv } from "./envelope.ts";
import type { SimulatorState } from "./state.ts";

export function requestContext(state: SimulatorState): MiddlewareHandler<SimEnv> {
  return async function (c, next) {
    const transactionId = newTransactionId();
    c.set("transactionId", transactionId);
    c.set("requestTimeMs", state.now());
    c.header("x-request-id", transactionId);
    await next();
  };
}
