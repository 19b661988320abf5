/**
 * Subjects of a registration, in both path families (`subjects` and the legacy `duns`, §2.0):
 * single add/remove/check and batch files. Batches answer 202 and are applied just after, the
 * way D&B processes them asynchronously; rejected lines become Exceptions records.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { ERROR_CODES, MONITORING_CODES } from "../model/payload.ts";
import { BATCH_MESSAGES, SUBJECT_MESSAGES } from "./codes.ts";
import { isValidDuns, parseDunsList } from "./duns.ts";
import { sendError, sendInformation, type SimEnv } from "./envelope.ts";
import { fieldText, readMultipart } from "./form.ts";
import { findRegistration } from "./lookup.ts";
import { dropQueuedFor } from "./queue.ts";
import type { SimRegistration } from "./registration.ts";
import type { SimulatorState } from "./state.ts";
import { EXCEPTION_CODE_INVALID_DUNS } from "./codes.ts";

type Family = keyof typeof SUBJECT_MESSAGES;

function subjectNotFound(c: Context<SimEnv>, id: string): Response {
  return sendError(c, 404, ERROR_CODES.dunsNotFound, {
    details: [{ parameter: "subjectID", description: `'${id}' is not in this registration.` }],
  });
}

function recordInvalid(registration: SimRegistration, invalid: readonly string[]): void {
  for (const duns of invalid) {
    registration.exceptions.push({
      duns,
      code: EXCEPTION_CODE_INVALID_DUNS,
      information: "Invalid DUNS number",
    });
  }
}

interface Batch {
  add?: string;
  remove?: string;
}

function applyBatch(state: SimulatorState, registration: SimRegistration, batch: Batch): void {
  if (batch.add !== undefined) {
    const list = parseDunsList(batch.add);
    state.addSubjects(registration, [...list.valid, ...list.invalid]);
  }
  if (batch.remove !== undefined) {
    const list = parseDunsList(batch.remove);
    recordInvalid(registration, list.invalid);
    const removed = new Set(list.valid.filter((duns) => registration.subjects.delete(duns)));
    dropQueuedFor(registration, removed);
  }
  registration.lastUpdatedMs = state.now();
}

/** Parses the file field(s) now, answers 202 and applies the change on a microtask. */
async function acceptBatch(
  c: Context<SimEnv>,
  state: SimulatorState,
  fieldNames: { add?: string; remove?: string },
): Promise<Response> {
  const registration = findRegistration(c, state);
  if (registration instanceof Response) return registration;
  const fields = await readMultipart(c);
  const batch: Batch = {};
  if (fields !== null) {
    if (fieldNames.add) batch.add = await fieldText(fields, fieldNames.add);
    if (fieldNames.remove) batch.remove = await fieldText(fields, fieldNames.remove);
  }
  if (batch.add === undefined && batch.remove === undefined) {
    const expected = [fieldNames.add, fieldNames.remove].filter(Boolean).join("' or '");
    return sendError(c, 400, ERROR_CODES.invalidParameters, {
      details: [{
        parameter: expected,
        description: `A multipart/form-data file part '${expected}' is required.`,
      }],
    });
  }
  queueMicrotask(() => {
    // A registration deleted meanwhile simply loses the batch, as it would at D&B.
    if (state.registrations.get(registration.reference) === registration) {
      applyBatch(state, registration, batch);
    }
  });
  return sendInformation(
    c,
    202,
    MONITORING_CODES.batchAccepted,
    batch.add !== undefined ? BATCH_MESSAGES.add : BATCH_MESSAGES.remove,
  );
}

export function subjectRoutes(state: SimulatorState): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.patch(
    "/:ref/subjects",
    (c) => acceptBatch(c, state, { add: "addSubjectIDs", remove: "removeSubjectIDs" }),
  );
  routes.patch("/:ref/duns/add", (c) => acceptBatch(c, state, { add: "duns" }));
  routes.patch("/:ref/duns/remove", (c) => acceptBatch(c, state, { remove: "duns" }));

  for (const family of ["subjects", "duns"] as const satisfies readonly Family[]) {
    const path = `/:ref/${family}/:id`;

    routes.post(path, (c) => {
      const registration = findRegistration(c, state);
      if (registration instanceof Response) return registration;
      const id = c.req.param("id") ?? "";
      if (!isValidDuns(id)) {
        return sendError(c, 400, ERROR_CODES.invalidParameters, {
          details: [{
            parameter: family === "duns" ? "duns" : "subjectID",
            description: `'${id}' is not a valid DUNS number: 9 digits expected.`,
          }],
        });
      }
      if (!state.addSubject(registration, id)) {
        return sendError(c, 400, MONITORING_CODES.duplicateSubject);
      }
      registration.lastUpdatedMs = state.now();
      return sendInformation(
        c,
        200,
        MONITORING_CODES.subjectAdded,
        SUBJECT_MESSAGES[family].added,
      );
    });

    routes.delete(path, (c) => {
      const registration = findRegistration(c, state);
      if (registration instanceof Response) return registration;
      const id = c.req.param("id") ?? "";
      // Queued notifications of a subject removed singly are still delivered (DOC-MONAPI).
      if (!registration.subjects.delete(id)) return subjectNotFound(c, id);
      registration.lastUpdatedMs = state.now();
      return sendInformation(
        c,
        200,
        MONITORING_CODES.subjectRemoved,
        SUBJECT_MESSAGES[family].removed,
      );
    });

    routes.get(path, (c) => {
      const registration = findRegistration(c, state);
      if (registration instanceof Response) return registration;
      const id = c.req.param("id") ?? "";
      if (!registration.subjects.has(id)) return subjectNotFound(c, id);
      return sendInformation(c, 200, MONITORING_CODES.subjectPresent);
    });
  }

  return routes;
}
