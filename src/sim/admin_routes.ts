/**
 * `/_sim/*`: the control panel tests and demos use to seed registrations, enqueue
 * notifications, inject faults, read counters and move the clock. Plain JSON, no D&B envelope,
 * and never rate-limited or faulted; only for holders of the run's admin token (admin_guard.ts).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { SimEnv } from "./envelope.ts";
import { FaultPatchError, patchFaults } from "./faults.ts";
import { enqueueText } from "./queue.ts";
import type { ExceptionRecord, ExportRecord, SimRegistration } from "./registration.ts";
import { isNotificationType, type SimulatorState } from "./state.ts";
import { isoMillis } from "./timestamps.ts";

/** The admin view of a registration. */
export interface AdminRegistrationView {
  reference: string;
  deliveryTrigger: string;
  subjects: string[];
  /** Notifications waiting to be pulled. */
  queued: number;
  /** Pulled notifications still replayable. */
  replayLog: number;
  suppressed: boolean;
  exceptions: ExceptionRecord[];
  exports: ExportRecord[];
}

/** The most one `generate` call makes, so a typo cannot exhaust memory. */
const MAX_GENERATE = 100_000;

function view(registration: SimRegistration): AdminRegistrationView {
  return {
    reference: registration.reference,
    deliveryTrigger: registration.deliveryTrigger,
    subjects: [...registration.subjects],
    queued: registration.queue.length,
    replayLog: registration.replayLog.length,
    suppressed: registration.suppressed,
    exceptions: registration.exceptions,
    exports: registration.exports,
  };
}

function problem(c: Context<SimEnv>, status: ContentfulStatusCode, message: string): Response {
  return c.json({ error: message }, status);
}

async function readObject(c: Context<SimEnv>): Promise<Record<string, unknown> | null> {
  try {
    const value = await c.req.json();
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function enqueueRequest(
  state: SimulatorState,
  registration: SimRegistration,
  body: Record<string, unknown>,
): number | string {
  if (body.notifications !== undefined) {
    if (!Array.isArray(body.notifications)) return "notifications must be an array";
    for (const item of body.notifications) {
      // An object without a stamp gets one when a pull hands it over, as from D&B; a stamp
      // given here is kept, for tests that place notifications in a chosen second.
      const isObject = item !== null && typeof item === "object" && !Array.isArray(item);
      enqueueText(registration, {
        text: JSON.stringify(item),
        nowMs: state.now(),
        stampAtDelivery: isObject && !("deliveryTimeStamp" in item),
      });
    }
    return body.notifications.length;
  }
  if (body.raw !== undefined) {
    if (!isStringArray(body.raw)) return "raw must be an array of JSON texts";
    for (const text of body.raw) enqueueText(registration, { text, nowMs: state.now() });
    return body.raw.length;
  }
  if (body.generate !== undefined) {
    const count = body.generate;
    if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > MAX_GENERATE) {
      return `generate must be an integer between 0 and ${MAX_GENERATE}`;
    }
    const types = body.types;
    if (types !== undefined && !(Array.isArray(types) && types.every(isNotificationType))) {
      return "types must be a list of notification types (UPDATE, SEED, DELETE, …)";
    }
    return state.generate(registration, { count: count as number, types });
  }
  return "give one of: notifications, raw, generate";
}

export function adminRoutes(state: SimulatorState): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.post("/registrations", async (c) => {
    const body = await readObject(c);
    if (body === null) return problem(c, 400, "body must be a JSON object");
    const { reference, duns, deliveryTrigger, suppressed, seedData, description, email } = body;
    if (typeof reference !== "string" || reference === "") {
      return problem(c, 400, "reference must be a non-empty string");
    }
    if (duns !== undefined && !isStringArray(duns)) {
      return problem(c, 400, "duns must be an array of strings");
    }
    if (deliveryTrigger !== undefined && typeof deliveryTrigger !== "string") {
      return problem(c, 400, "deliveryTrigger must be a string such as API_PULL or PUSH");
    }
    if (email !== undefined && !isStringArray(email)) {
      return problem(c, 400, "email must be an array of strings");
    }
    const registration = state.addRegistration(reference, {
      deliveryTrigger,
      suppressed: suppressed === true,
      seedData: seedData === true,
      description: typeof description === "string" ? description : undefined,
      email,
    });
    if (registration === null) return problem(c, 409, `registration ${reference} exists`);
    state.addSubjects(registration, duns ?? []);
    return c.json(view(registration), 201);
  });

  routes.get("/registrations/:ref", (c) => {
    const registration = state.registrations.get(c.req.param("ref"));
    if (registration === undefined) return problem(c, 404, "no such registration");
    return c.json(view(registration));
  });

  routes.post("/registrations/:ref/notifications", async (c) => {
    const registration = state.registrations.get(c.req.param("ref"));
    if (registration === undefined) return problem(c, 404, "no such registration");
    const body = await readObject(c);
    if (body === null) return problem(c, 400, "body must be a JSON object");
    const result = enqueueRequest(state, registration, body);
    if (typeof result === "string") return problem(c, 400, result);
    return c.json({ enqueued: result });
  });

  routes.get("/faults", (c) => c.json(state.faults));

  routes.put("/faults", async (c) => {
    const body = await readObject(c);
    if (body === null) return problem(c, 400, "body must be a JSON object");
    try {
      state.faults = patchFaults(state.faults, body);
    } catch (error) {
      if (error instanceof FaultPatchError) return problem(c, 400, error.message);
      throw error;
    }
    return c.json(state.faults);
  });

  routes.get("/counters", (c) => c.json(state.counters));

  routes.post("/reset", (c) => {
    state.reset();
    return c.json({ counters: state.counters, faults: state.faults });
  });

  function clockView(): { now: string; offsetSeconds: number } {
    return { now: isoMillis(state.now()), offsetSeconds: state.clock.offsetMs / 1000 };
  }

  routes.get("/clock", (c) => c.json(clockView()));

  routes.post("/clock", async (c) => {
    const body = await readObject(c);
    const seconds = body?.advanceSeconds;
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
      return problem(c, 400, "advanceSeconds must be a non-negative number");
    }
    state.clock.advance(seconds);
    return c.json(clockView());
  });

  routes.post("/tokens/expire", (c) => c.json({ expired: state.tokens.expireAll(state.now()) }));

  routes.post("/tokens/revoke", (c) => c.json({ revoked: state.tokens.revokeAll() }));

  return routes;
}
