/**
 * Who may call `/_sim/*`: a program holding the run's admin token, never a web page. A browser
 * marks its requests with `Origin` or `Sec-Fetch-Site`; the admin API has no browser use, so
 * either (other than a user's own navigation, `none`) is refused before the token is looked at,
 * and no response ever carries a CORS header that could let a page read it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { adminTokenMatches } from "./admin_token.ts";
import type { SimEnv } from "./envelope.ts";
import type { SimulatorState } from "./state.ts";

function crossSite(c: Context<SimEnv>): boolean {
  if (c.req.header("origin") !== undefined) return true;
  const site = c.req.header("sec-fetch-site");
  return site !== undefined && site.trim().toLowerCase() !== "none";
}

function bearer(c: Context<SimEnv>): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header("authorization") ?? "");
  return match === null ? null : match[1];
}

function withoutCors(response: Response): void {
  for (const name of [...response.headers.keys()]) {
    if (name.toLowerCase().startsWith("access-control-")) response.headers.delete(name);
  }
}

/** The refusal for a request that may not reach the admin API, or null when it may. */
function refusal(c: Context<SimEnv>, state: SimulatorState): Response | null {
  if (crossSite(c)) {
    return c.json({
      error: "cross-origin request refused",
      message: "the simulator's admin API does not answer browsers: send the request without " +
        "Origin or Sec-Fetch-Site headers (from curl, a test or a script)",
    }, 403);
  }
  const token = bearer(c);
  if (token !== null && adminTokenMatches(state.adminToken, token)) return null;
  return c.json({
    error: token === null ? "admin token missing" : "admin token not accepted",
    message: "send Authorization: Bearer <the simulator's admin token> (`simulate` prints it " +
      "as `admin token:`; in code it is RunningSimulator.adminToken)",
  }, 401);
}

export function adminGuard(state: SimulatorState): MiddlewareHandler<SimEnv> {
  return async function (c, next) {
    const refused = refusal(c, state);
    if (refused !== null) return refused;
    await next();
    withoutCors(c.res);
  };
}
