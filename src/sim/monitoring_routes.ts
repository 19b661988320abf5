/** Everything under `/v1/monitoring/registrations`, in an order where static segments win. */
import { Hono } from "hono";
import type { SimEnv } from "./envelope.ts";
import { notificationRoutes } from "./notification_routes.ts";
import { registrationRoutes } from "./registration_routes.ts";
import type { SimulatorState } from "./state.ts";
import { subjectRoutes } from "./subject_routes.ts";

export function monitoringRoutes(state: SimulatorState): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  routes.route("/", registrationRoutes(state));
  routes.route("/", subjectRoutes(state));
  routes.route("/", notificationRoutes(state));
  return routes;
}
