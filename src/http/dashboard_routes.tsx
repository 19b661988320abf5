/**
 * The dashboard's HTTP routes, as a Hono sub-app:
 *
 * - `GET /`: the page; `GET /?fragment=1`: only its refreshable part, which the page's script
 *   fetches every few seconds and swaps in;
 * - `GET /duns/:duns`: the company page (nine digits, else a 400 page);
 * - `GET /search?duns=…`: the search box's target; accepts `08-146-6849` and redirects to the
 *   normalised `/duns/081466849`;
 * - `GET /?hours=1|24|48`: the hourly chart's range (48 by default);
 * - `GET /dead-letters/:sink/:id`: one dead letter with its raw JSON (`…/raw`: the JSON alone,
 *   as text); `POST …/retry` and `POST …/discard`: the panel's actions, refused when cross-site.
 *
 * Pages are complete: inline CSS and script, SVG drawn here, nothing from any other origin, since
 * the instance may run without internet. The CSP says so to the browser as well.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { html } from "hono/html";
import { normalizeDuns } from "../model/duns.ts";
import { logger } from "../log.ts";
import { CompanyPage, MessagePage } from "./company_page.tsx";
import {
  type CompanyData,
  type DashboardData,
  type DashboardProvider,
  type DeadLetterActionResult,
  type DeadLetterData,
  type DeadLetterDetail,
  HOUR_RANGES,
  type HourRange,
} from "./dashboard_data.ts";
import { DashboardContent, DashboardPage } from "./dashboard_page.tsx";
import { deadLetterHref } from "./dashboard_problems.tsx";
import { DeadLetterPage, DeadLetterResultPage } from "./dead_letter_page.tsx";
import { REFRESH_SCRIPT } from "./dashboard_style.ts";
import { requireSameOrigin } from "./same_origin.ts";

/** Where the pages get their data; the service implements it over its status and the SQL sink. */
export type { DashboardProvider } from "./dashboard_data.ts";

const DEFAULT_HOURS: HourRange = 48;

export interface DashboardRoutesOptions {
  /** Seconds between the page's refreshes; 15 by default. Tests make it short. */
  refreshSeconds?: number;
  /**
   * The path the sub-app is mounted at, e.g. `/dashboard`; `""` (the default) for the root.
   * Links and the form are absolute, so they work from `/duns/…` as well.
   */
  basePath?: string;
}

const log = logger("http", "dashboard");

export function dashboardRoutes(
  provider: DashboardProvider,
  options: DashboardRoutesOptions = {},
): Hono {
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  const refreshSeconds = options.refreshSeconds ?? 15;
  const csp = contentSecurityPolicy();
  // Pages that do not ask the provider (a malformed DUNS) still show the simulator banner: the
  // last answer said whether the instance talks to the simulator.
  let simulator = false;

  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.header("Content-Security-Policy", await csp);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", "no-store");
  });
  // The dead-letter actions are forms a browser posts with the operator's credentials.
  app.use(requireSameOrigin({
    onRefused: (c) =>
      c.html(
        document(
          <MessagePage title="Refused" basePath={basePath} simulator={simulator}>
            <p data-code="CROSS_SITE_REQUEST">
              This request came from another site, so it was not carried out. Use the buttons on the
              dashboard itself.
            </p>
          </MessagePage>,
        ),
        403,
      ),
  }));

  app.get("/", async (c) => {
    const fragment = c.req.query("fragment") === "1";
    const hours = hourRange(c.req.query("hours"));
    if (hours === null) {
      return c.html(
        document(
          <MessagePage title="Not a time range" basePath={basePath} simulator={simulator}>
            <p>{`hours must be one of ${HOUR_RANGES.join(", ")}.`}</p>
          </MessagePage>,
        ),
        400,
      );
    }
    let data: DashboardData;
    try {
      data = await provider.dashboard({ hours });
    } catch (error) {
      log.error("dashboard data unavailable: {error}", { error: String(error) });
      if (fragment) return c.html(<p class="error-text">Dashboard data unavailable.</p>, 503);
      return unavailable(c, { basePath, simulator });
    }
    simulator = data.simulator;
    if (fragment) {
      return c.html(<DashboardContent data={data} basePath={basePath} hours={hours} />);
    }
    return c.html(
      document(
        <DashboardPage
          data={data}
          basePath={basePath}
          hours={hours}
          refreshSeconds={refreshSeconds}
          fragmentUrl={`${basePath}/?fragment=1${hours === DEFAULT_HOURS ? "" : `&hours=${hours}`}`}
        />,
      ),
    );
  });

  app.get("/dead-letters/:sink/:id", async (c) => {
    const letter = await findLetter(c);
    if (letter instanceof Response) return letter;
    return c.html(
      document(<DeadLetterPage letter={letter} basePath={basePath} simulator={simulator} />),
    );
  });

  app.get("/dead-letters/:sink/:id/raw", async (c) => {
    const letter = await findLetter(c);
    if (letter instanceof Response) return letter;
    // Plain text (and nosniff): the bytes that failed are shown, never interpreted.
    return c.text(letter.raw, 200, { "content-type": "text/plain; charset=utf-8" });
  });

  for (const action of ["retry", "discard"] as const) {
    app.post(`/dead-letters/:sink/:id/${action}`, async (c) => {
      const key = letterKey(c);
      let result: DeadLetterActionResult;
      try {
        result = action === "retry"
          ? await provider.retryDeadLetter(key)
          : await provider.discardDeadLetter(key);
      } catch (error) {
        log.error("dead letter {key}: {action} failed: {error}", {
          key,
          action,
          error: String(error),
        });
        return unavailable(c, { basePath, simulator });
      }
      log.info("dead letter {key}: {action} from the dashboard: {message}", {
        key,
        action,
        message: result.message,
      });
      return c.html(
        document(
          <DeadLetterResultPage
            action={action}
            key={key}
            result={result}
            basePath={basePath}
            simulator={simulator}
            href={deadLetterHref(basePath, {
              sink: c.req.param("sink"),
              notificationId: c.req.param("id"),
            })}
          />,
        ),
        result.found ? 200 : 404,
      );
    });
  }

  async function findLetter(c: Context): Promise<DeadLetterDetail | Response> {
    const key = letterKey(c);
    let data: DeadLetterData;
    try {
      data = await provider.deadLetter(key);
    } catch (error) {
      log.error("dead letter {key} unavailable: {error}", { key, error: String(error) });
      return unavailable(c, { basePath, simulator });
    }
    simulator = data.simulator;
    if (data.letter) return data.letter;
    return c.html(
      document(
        <MessagePage title="Dead letter not found" basePath={basePath} simulator={simulator}>
          <p>
            <code>{key}</code>: no such dead letter; it was retried or discarded meanwhile.
          </p>
        </MessagePage>,
      ),
      404,
    );
  }

  app.get("/search", (c) => {
    const typed = c.req.query("duns") ?? "";
    const checked = normalizeDuns(typed);
    if ("duns" in checked) return c.redirect(`${basePath}/duns/${checked.duns}`, 302);
    return c.html(
      document(
        <MessagePage title="Not a DUNS" basePath={basePath} simulator={simulator} search={typed}>
          <p data-reason={checked.reason}>
            {checked.reason === "empty"
              ? "Type a DUNS: nine digits, dashes and spaces allowed (e.g. 08-146-6849)."
              : `“${typed}” is not a DUNS: ${checked.reason}.`}
          </p>
        </MessagePage>,
      ),
      400,
    );
  });

  app.get("/duns/:duns", async (c) => {
    const duns = c.req.param("duns");
    if (!/^\d{9}$/.test(duns)) {
      const checked = normalizeDuns(duns);
      return c.html(
        document(
          <MessagePage title="Not a DUNS" basePath={basePath} simulator={simulator} search={duns}>
            <p>{`“${duns}” is not a DUNS: a DUNS in the address has exactly nine digits.`}</p>
            {"duns" in checked
              ? (
                <p>
                  Did you mean <a href={`${basePath}/duns/${checked.duns}`}>{checked.duns}</a>?
                </p>
              )
              : null}
          </MessagePage>,
        ),
        400,
      );
    }
    let data: CompanyData;
    try {
      data = await provider.company(duns);
    } catch (error) {
      log.error("company data for {duns} unavailable: {error}", { duns, error: String(error) });
      return unavailable(c, { basePath, simulator });
    }
    simulator = data.simulator;
    return c.html(document(<CompanyPage data={data} basePath={basePath} />));
  });

  return app;
}

/** `?hours=`: absent means the default; anything but an offered range is null. */
function hourRange(text: string | undefined): HourRange | null {
  if (text === undefined || text === "") return DEFAULT_HOURS;
  return (HOUR_RANGES as readonly number[]).includes(Number(text)) && /^\d+$/.test(text)
    ? Number(text) as HourRange
    : null;
}

/** `<sink>/<notification id>` from the route; Hono has decoded both parts. */
function letterKey(c: Context): string {
  return `${c.req.param("sink")}/${c.req.param("id")}`;
}

/** JSX cannot write a doctype; without one the browser renders in quirks mode. */
function document(page: unknown) {
  return html`<!doctype html>${page}`;
}

function unavailable(c: Context, options: { basePath: string; simulator: boolean }) {
  return c.html(
    document(
      <MessagePage
        title="Data unavailable"
        basePath={options.basePath}
        simulator={options.simulator}
      >
        <p>
          The dashboard could not gather its data just now; the service log says why. Try again in a
          moment.
        </p>
      </MessagePage>,
    ),
    503,
  );
}

/**
 * Only this instance's own inline style and the one known inline script may run: values from D&B
 * are escaped anyway, and this is the second line of defence. `connect-src 'self'` is the
 * refresh's fetch.
 */
async function contentSecurityPolicy(): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(REFRESH_SCRIPT));
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  return [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
