/** Data calls need `Authorization: Bearer <token>` (dnb-direct-plus.md §1.4–1.5). */
import type { MiddlewareHandler } from "hono";
import { ERROR_CODES } from "../model/payload.ts";
import { OTHER_CODES } from "./codes.ts";
import { sendError, type SimEnv } from "./envelope.ts";
import type { SimulatorState } from "./state.ts";

export function bearerAuth(state: SimulatorState): MiddlewareHandler<SimEnv> {
  return async function (c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) return sendError(c, 401, OTHER_CODES.unauthorized);
    const status = state.tokens.status(match[1], state.now());
    // A token invalidated early gets D&B's "not currently authorised" 00004 (AE's live probe).
    if (status === "revoked") return sendError(c, 401, OTHER_CODES.unauthorized);
    // D&B answers 00040 for a token it does not know as well as for an expired one.
    if (status !== "valid") return sendError(c, 401, ERROR_CODES.tokenExpired);
    await next();
  };
}
