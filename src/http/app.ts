import { Hono } from "hono";

/** Read-only views of the running service that the HTTP surface shows. */
export interface HttpViews {
  status(): unknown | Promise<unknown>;
}

export function createHttpApp(views: HttpViews): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/status", async (c) => c.json(await views.status()));
  app.get("/", (c) =>
    c.html(
      "<!doctype html><title>TraceOne Monitor</title>" +
        "<h1>TraceOne Monitor</h1><p>Running. Status: <a href=/status>/status</a></p>",
    ));
  return app;
}
