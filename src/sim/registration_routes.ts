/**
 * Registration-level operations: list, details, create (multipart, §2.1), edit, delete,
 * suppress/unsuppress and export requests.
 */
import { Hono } from "hono";
import { ERROR_CODES, type RegistrationDetailsBody } from "../model/payload.ts";
import { SIMULATED_CODES } from "./codes.ts";
import { parseDunsList } from "./duns.ts";
import {
  type ErrorDetail,
  sendError,
  sendInformation,
  sendJson,
  type SimEnv,
  transactionDetail,
} from "./envelope.ts";
import { fieldText, readMultipart } from "./form.ts";
import { findRegistration } from "./lookup.ts";
import type { RegistrationFields } from "./registration.ts";
import { wireRegistration } from "./registration.ts";
import type { SimulatorState } from "./state.ts";
import { isoSeconds } from "./timestamps.ts";

/** Enumerations from §2.1; a value outside them is a 00003. */
const ENUMS: Record<string, readonly string[]> = {
  notificationType: ["UPDATE", "FULL_PRODUCT"],
  deliveryTrigger: ["API_PULL", "PUSH"],
  deliveryFrequency: ["DAILY", "WEEKLY", "MONTHLY"],
  destinationType: ["STP", "S3", "GCS"],
  notificationFormat: ["JSON"],
};
const TEXT_FIELDS = ["description", "productId", "versionId", "fileTransferProfile"] as const;
const EDITABLE = new Set(["email", "description"]);

function splitEmails(text: string): string[] {
  return text.split(/[,;\n]/).map((item) => item.trim()).filter((item) => item !== "");
}

function parseBoolean(text: string): boolean {
  return /^(true|1|yes|y)$/i.test(text.trim());
}

export function registrationRoutes(state: SimulatorState): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  // Export paths first: `/export/{ref}/duns` must not be read as a registration called "export".
  for (const kind of ["subjects", "duns"] as const) {
    routes.on(["GET", "POST"], `/export/:ref/${kind}`, (c) => {
      const verb = state.faults.exportVerb;
      if (verb !== "any" && c.req.method !== verb) {
        // As a gateway answers a verb it does not route: no D&B envelope.
        return c.body(null, 405, { allow: verb });
      }
      const registration = findRegistration(c, state);
      if (registration instanceof Response) return registration;
      registration.exports.push({
        kind,
        requestedAt: isoSeconds(state.now()),
        subjectCount: registration.subjects.size,
      });
      return sendInformation(c, 202, SIMULATED_CODES.exportAccepted);
    });
  }

  routes.get("/", (c) =>
    sendJson(c, {
      transactionDetail: transactionDetail(c),
      messages: { references: [...state.registrations.keys()] },
    }));

  routes.post("/", async (c) => {
    const fields = await readMultipart(c);
    if (fields === null) {
      return sendError(c, 400, ERROR_CODES.malformedPayload, {
        details: [{ description: "The request body must be multipart/form-data." }],
      });
    }
    const reference = (await fieldText(fields, "reference"))?.trim() ?? "";
    const details: ErrorDetail[] = [];
    if (reference === "") {
      details.push({ parameter: "reference", description: "'reference' is required." });
    }
    const options: RegistrationFields = {};
    for (const [name, allowed] of Object.entries(ENUMS)) {
      const value = (await fieldText(fields, name))?.trim();
      if (value === undefined) continue;
      if (!allowed.includes(value)) {
        details.push({
          parameter: name,
          description: `'${name}' contains Invalid value: '${value}' in the request.`,
        });
      }
      (options as Record<string, unknown>)[name] = value;
    }
    for (const name of TEXT_FIELDS) {
      const value = await fieldText(fields, name);
      if (value !== undefined) options[name] = value;
    }
    const email = await fieldText(fields, "email");
    if (email !== undefined) options.email = splitEmails(email);
    const seedData = await fieldText(fields, "seedData");
    if (seedData !== undefined) options.seedData = parseBoolean(seedData);
    if (details.length > 0) {
      return sendError(c, 400, ERROR_CODES.invalidParameters, { details });
    }
    const registration = state.addRegistration(reference, options);
    if (registration === null) {
      return sendError(c, 400, SIMULATED_CODES.duplicateRegistration, {
        details: [{ parameter: "reference", description: `'${reference}' is already in use.` }],
      });
    }
    const duns = await fieldText(fields, "duns");
    if (duns !== undefined) {
      const list = parseDunsList(duns);
      state.addSubjects(registration, [...list.valid, ...list.invalid]);
    }
    return sendInformation(c, 200, SIMULATED_CODES.registrationCreated);
  });

  routes.get("/:ref", (c) => {
    const registration = findRegistration(c, state);
    if (registration instanceof Response) return registration;
    const body: RegistrationDetailsBody = {
      transactionDetail: transactionDetail(c),
      inquiryDetail: { reference: registration.reference },
      messages: {
        notificationsSuppressed: registration.suppressed,
        registration: wireRegistration(registration),
        state: "CURRENT",
      },
    };
    return sendJson(c, body);
  });

  routes.patch("/:ref", async (c) => {
    const registration = findRegistration(c, state);
    if (registration instanceof Response) return registration;
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = null;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return sendError(c, 400, ERROR_CODES.malformedPayload);
    }
    const patch = body as Record<string, unknown>;
    const details: ErrorDetail[] = [];
    for (const key of Object.keys(patch)) {
      if (!EDITABLE.has(key)) {
        details.push({
          parameter: key,
          description: `'${key}' cannot be modified after the registration is created.`,
        });
      }
    }
    const { email, description } = patch;
    const emailIsValid = email === undefined || typeof email === "string" ||
      (Array.isArray(email) && email.every((item) => typeof item === "string"));
    if (!emailIsValid) {
      details.push({ parameter: "email", description: "'email' must be a string or a list." });
    }
    if (description !== undefined && typeof description !== "string") {
      details.push({ parameter: "description", description: "'description' must be a string." });
    }
    if (details.length > 0) {
      return sendError(c, 400, ERROR_CODES.invalidParameters, { details });
    }
    if (typeof email === "string") registration.email = splitEmails(email);
    if (Array.isArray(email)) registration.email = email.flatMap(splitEmails);
    if (typeof description === "string") registration.description = description;
    registration.lastUpdatedMs = state.now();
    return sendInformation(c, 200, SIMULATED_CODES.registrationUpdated);
  });

  routes.delete("/:ref", (c) => {
    const registration = findRegistration(c, state);
    if (registration instanceof Response) return registration;
    state.registrations.delete(registration.reference);
    return sendInformation(c, 200, SIMULATED_CODES.registrationDeleted);
  });

  // The verb of suppress is [UNKNOWN] (PATCH or POST), so both are served.
  routes.on(["PATCH", "POST"], "/:ref/suppress", (c) => {
    const registration = findRegistration(c, state);
    if (registration instanceof Response) return registration;
    registration.suppressed = true;
    registration.lastUpdatedMs = state.now();
    return sendInformation(c, 200, SIMULATED_CODES.notificationsSuppressed);
  });

  routes.delete("/:ref/suppress", (c) => {
    const registration = findRegistration(c, state);
    if (registration instanceof Response) return registration;
    if (registration.suppressed) {
      registration.suppressed = false;
      registration.activatedMs = state.now();
    }
    registration.lastUpdatedMs = state.now();
    return sendInformation(c, 200, SIMULATED_CODES.notificationsUnsuppressed);
  });

  return routes;
}
