/** Finding the registration a `/v1/monitoring` path names, or answering 404 for it. */
import type { Context } from "hono";
import { SIMULATED_CODES } from "./codes.ts";
import { sendError, type SimEnv } from "./envelope.ts";
import type { SimRegistration } from "./registration.ts";
import type { SimulatorState } from "./state.ts";

export function findRegistration(
  c: Context<SimEnv>,
  state: SimulatorState,
): SimRegistration | Response {
  const reference = c.req.param("ref") ?? "";
  const registration = state.registrations.get(reference);
  if (registration !== undefined) return registration;
  return sendError(c, 404, SIMULATED_CODES.registrationNotFound, {
    details: [{
      parameter: "reference",
      description: `No registration with reference '${reference}' exists for this subscriber.`,
    }],
  });
}
