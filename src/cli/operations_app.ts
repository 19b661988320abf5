import type { Hono } from "hono";
import { createNotificationStore } from "../db/notification_store.ts";
import { createHttpApp } from "../http/app.ts";
import { createDashboardSource } from "../http/dashboard_provider.ts";
import { dashboardRoutes } from "../http/dashboard_routes.tsx";
import type { ServiceMetrics } from "../pipeline/mod.ts";
import type { ServiceSession } from "./service_session.ts";

/**
 * The HTTP surface of an open session: health, `/status` (with the alert rules), metrics and the
 * dashboard behind the configured token and Host rule. `run` serves it with `Deno.serve`,
 * `deploy.ts` through Deno Deploy's.
 */
export function createOperationsApp(
  session: ServiceSession,
  options: { metrics: ServiceMetrics },
): Hono {
  const { service, sinks } = session;
  const { http } = session.runtime.config;
  return createHttpApp({
    views: {
      status: () => session.status(),
      readiness: () => service.readiness(),
      metrics: () => options.metrics.render(),
    },
    authToken: http.auth_token,
    allowedHosts: http.allowed_hosts,
    dashboard: dashboardRoutes(createDashboardSource({
      pipeline: service,
      store: sinks.database ? createNotificationStore(sinks.database) : null,
      alerts: sinks.alertStatus,
    })),
  });
}
