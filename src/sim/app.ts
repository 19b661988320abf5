/**
 * The simulator as a Hono app: admin routes outside every fault but behind the admin token and
 * the cross-origin refusal, then the Direct+ surface behind the rate limit and fault gate, with
 * bearer auth on data calls.
 */
import { Hono } from "hono";
import { ERROR_CODES } from "../model/payload.ts";
import { adminGuard } from "./admin_guard.ts";
import { adminRoutes } from "./admin_routes.ts";
import { apiGate } from "./api_gate.ts";
import { authRoutes } from "./auth_routes.ts";
import { bearerAuth } from "./bearer_auth.ts";
import { sendError, type SimEnv } from "./envelope.ts";
import { monitoringRoutes } from "./monitoring_routes.ts";
import { requestContext } from "./request_context.ts";
import type { SimulatorState } from "./state.ts";

export function createSimulatorApp(state: SimulatorState): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.use("*", requestContext(state));
  app.use("/_sim/*", adminGuard(state));
  app.route("/_sim", adminRoutes(state));
  const gate = apiGate(state);
  app.use("/v1/*", gate);
  app.use("/v2/token", gate);
  app.use("/v3/token", gate);
  app.use("/v1/*", bearerAuth(state));
  app.route("/", authRoutes(state));
  app.route("/v1/monitoring/registrations", monitoringRoutes(state));
  // 00037 is what the live API answers for an unknown path.
  app.notFound((c) => sendError(c, 404, ERROR_CODES.notFound));
  app.onError((_error, c) => sendError(c, 500, ERROR_CODES.internalError));
  return app;
}
