/**
 * `POST /v2/token` and `POST /v3/token`: client-credentials grants over HTTP Basic, with the two
 * different response spellings and error formats of dnb-direct-plus.md §1.
 */
import { type Context, Hono } from "hono";
import { ERROR_CODES } from "../model/payload.ts";
import { OTHER_CODES } from "./codes.ts";
import { sendError, sendJson, type SimEnv } from "./envelope.ts";
import type { SimulatorState } from "./state.ts";

const TOKEN_PRODUCT = { productID: "TOKEN_GEN", productVersion: "2.0" };

function hasValidBasic(c: Context<SimEnv>, state: SimulatorState): boolean {
  const match = /^Basic\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (match === null) return false;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return false;
  }
  return decoded === `${state.clientId}:${state.clientSecret}`;
}

/**
 * With the `echoCredentials` fault: the presented `id:secret`, as a careless gateway says it,
 * in the spellings gateways use: as sent, URL-quoted as Python's quote() does ("/" kept), and
 * the Authorization header itself.
 */
function echoed(c: Context<SimEnv>, state: SimulatorState): string {
  if (!state.faults.echoCredentials) return "";
  const header = c.req.header("authorization") ?? "";
  const match = /^Basic\s+(\S+)\s*$/i.exec(header);
  try {
    if (!match) return "";
    const presented = atob(match[1]);
    const quoted = encodeURIComponent(presented).replaceAll("%2F", "/");
    return ` for ${presented} (quoted ${quoted}; header ${header})`;
  } catch {
    return "";
  }
}

function issue(state: SimulatorState): { token: string; lifetime: number } {
  const lifetime = state.faults.tokenLifetime;
  state.counters.tokensIssued++;
  return { token: state.tokens.issue(state.now(), lifetime), lifetime };
}

async function readJsonObject(c: Context<SimEnv>): Promise<Record<string, unknown> | null> {
  try {
    const value = await c.req.json();
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

interface OAuthError {
  status: 400 | 401;
  error: string;
  /** Text before the transaction id, which ends it as in D&B's samples. */
  description: string;
}

/** The OAuth-style body v3 uses for every error; the D&B code hides in the text. */
function oauthError(c: Context<SimEnv>, options: OAuthError): Response {
  return sendJson(c, {
    error: options.error,
    error_description: `${options.description}${c.get("transactionId")}`,
  }, options.status);
}

export function authRoutes(state: SimulatorState): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.post("/v2/token", async (c) => {
    if (!hasValidBasic(c, state)) {
      return sendError(c, 401, ERROR_CODES.badCredentials, { transaction: TOKEN_PRODUCT });
    }
    const body = await readJsonObject(c);
    if (body === null) {
      return sendError(c, 400, ERROR_CODES.malformedPayload, { transaction: TOKEN_PRODUCT });
    }
    if (body.grant_type !== "client_credentials") {
      return sendError(c, 400, ERROR_CODES.invalidParameters, {
        transaction: TOKEN_PRODUCT,
        details: [{
          parameter: "grant_type",
          description: "'grant_type' must be 'client_credentials'.",
        }],
      });
    }
    const { token, lifetime } = issue(state);
    return sendJson(c, { access_token: token, expiresIn: lifetime });
  });

  routes.post("/v3/token", async (c) => {
    if (!hasValidBasic(c, state)) {
      return oauthError(c, {
        status: 401,
        error: "invalid_client",
        description: `Client authentication failed${echoed(c, state)}. ErrorCode: ` +
          `${ERROR_CODES.badCredentials}. Transaction ID: `,
      });
    }
    const type = c.req.header("content-type") ?? "";
    const form = type.startsWith("application/x-www-form-urlencoded")
      ? await c.req.parseBody()
      : {};
    const grant = form["grant_type"];
    if (grant === undefined || grant === "") {
      return oauthError(c, {
        status: 400,
        error: "invalid_request",
        // DOC-ERR's capture has two spaces before the transaction id; kept.
        description:
          `Request missing required element: 'grant_type'. ErrorCode: ${OTHER_CODES.missingGrantType}. Transaction ID:  `,
      });
    }
    if (grant !== "client_credentials") {
      return oauthError(c, {
        status: 400,
        error: "unsupported_grant_type",
        description:
          `Grant type is not supported. ErrorCode: ${ERROR_CODES.invalidParameters}. Transaction ID: `,
      });
    }
    const { token, lifetime } = issue(state);
    return sendJson(c, { access_token: token, expires_in: lifetime, token_type: "Bearer" });
  });

  return routes;
}
