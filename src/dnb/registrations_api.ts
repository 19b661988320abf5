import type { AuthorizedApi } from "./authorized_api.ts";
import { DnbApiError } from "./errors.ts";
import { registrationPath } from "./notifications_api.ts";
import {
  ERROR_CODES,
  type InformationBody,
  MONITORING_CODES,
  type Registration,
  type RegistrationDetailsBody,
  type RegistrationListBody,
} from "../model/payload.ts";

export type SubjectPathFamily = "subjects" | "duns";

/** What D&B said about a write: its `information` code and message. */
export interface Information {
  status: number;
  code: string | null;
  message: string | null;
}

export interface RegistrationDetails {
  reference: string;
  notificationsSuppressed: boolean;
  state: string;
  registration: Registration;
}

/** The multipart fields of a create request (shared/dnb-direct-plus.md §2.1). */
export interface RegistrationSpec {
  reference: string;
  description?: string;
  productId: string;
  versionId: string;
  notificationType?: "UPDATE" | "FULL_PRODUCT";
  deliveryTrigger?: "API_PULL" | "PUSH";
  deliveryFrequency?: "DAILY" | "WEEKLY" | "MONTHLY";
  destinationType?: string;
  fileTransferProfile?: string;
  email?: string[];
  seedData?: boolean;
  blockIds?: string[];
  jsonPathInclusion?: string[];
  jsonPathExclusion?: string[];
  /** The initial list of DUNS, sent as the `duns` file part. */
  duns?: string[];
}

export interface RegistrationEdit {
  email?: string[];
  description?: string;
}

export type AddOutcome = "added" | "already_present";
export type RemoveOutcome = "removed" | "absent";

/** Registration management: list, get, create, edit, delete, subjects, suppress, export. */
export class RegistrationsApi {
  readonly #api: AuthorizedApi;
  readonly #family: SubjectPathFamily;

  constructor(api: AuthorizedApi, options: { family: SubjectPathFamily }) {
    this.#api = api;
    this.#family = options.family;
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    const { body } = await this.#api.json<RegistrationListBody>({
      method: "GET",
      path: "/v1/monitoring/registrations",
      endpoint: "registrations.list",
      signal,
    });
    return body.messages?.references ?? [];
  }

  async get(reference: string, signal?: AbortSignal): Promise<RegistrationDetails> {
    const { body } = await this.#api.json<RegistrationDetailsBody>({
      method: "GET",
      path: registrationPath(reference),
      endpoint: "registrations.get",
      signal,
    });
    return {
      reference: body.messages?.registration?.reference ?? reference,
      notificationsSuppressed: body.messages?.notificationsSuppressed ?? false,
      state: body.messages?.state ?? "UNKNOWN",
      registration: body.messages?.registration ?? { reference },
    };
  }

  create(spec: RegistrationSpec, signal?: AbortSignal): Promise<Information> {
    const form = new FormData();
    const fields: Record<string, string | undefined> = {
      reference: spec.reference,
      description: spec.description,
      productId: spec.productId,
      versionId: spec.versionId,
      notificationFormat: "JSON",
      notificationType: spec.notificationType ?? "UPDATE",
      deliveryTrigger: spec.deliveryTrigger ?? "API_PULL",
      deliveryFrequency: spec.deliveryFrequency,
      destinationType: spec.destinationType,
      fileTransferProfile: spec.fileTransferProfile,
      email: spec.email?.join(","),
      seedData: spec.seedData === undefined ? undefined : spec.seedData ? "True" : "False",
      blockIds: spec.blockIds?.join(","),
      jsonPathInclusion: spec.jsonPathInclusion?.join(","),
      jsonPathExclusion: spec.jsonPathExclusion?.join(","),
    };
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) form.set(name, value);
    }
    if (spec.duns?.length) form.set("duns", dunsFile(spec.duns), "duns.txt");
    return this.#info({
      method: "POST",
      path: "/v1/monitoring/registrations",
      endpoint: "registrations.create",
      body: form,
      signal,
    });
  }

  edit(reference: string, edit: RegistrationEdit, signal?: AbortSignal): Promise<Information> {
    const body: Record<string, string> = {};
    if (edit.email) body.email = edit.email.join(",");
    if (edit.description !== undefined) body.description = edit.description;
    return this.#info({
      method: "PATCH",
      path: registrationPath(reference),
      endpoint: "registrations.edit",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  }

  delete(reference: string, signal?: AbortSignal): Promise<Information> {
    return this.#info({
      method: "DELETE",
      path: registrationPath(reference),
      endpoint: "registrations.delete",
      signal,
    });
  }

  /** Adds one DUNS. Already there (`21012`) counts as success, so a retried add is safe. */
  async addSubject(
    reference: string,
    duns: string,
    options: { customerReference?: string; signal?: AbortSignal } = {},
  ): Promise<{ outcome: AddOutcome; info: Information }> {
    try {
      const info = await this.#info({
        method: "POST",
        path: this.#subjectPath(reference, duns),
        endpoint: "subjects.add",
        headers: options.customerReference ? { "content-type": "application/json" } : undefined,
        body: options.customerReference
          ? JSON.stringify({ customerReference: options.customerReference })
          : undefined,
        signal: options.signal,
      });
      return { outcome: "added", info };
    } catch (error) {
      if (error instanceof DnbApiError && error.errorCode === MONITORING_CODES.duplicateSubject) {
        return { outcome: "already_present", info: infoOf(error) };
      }
      throw error;
    }
  }

  /** Removes one DUNS. One that is not there (`10001`) is reported as `absent`. */
  async removeSubject(
    reference: string,
    duns: string,
    signal?: AbortSignal,
  ): Promise<{ outcome: RemoveOutcome; info: Information }> {
    try {
      const info = await this.#info({
        method: "DELETE",
        path: this.#subjectPath(reference, duns),
        endpoint: "subjects.remove",
        signal,
      });
      return { outcome: "removed", info };
    } catch (error) {
      if (isSubjectAbsent(error)) return { outcome: "absent", info: infoOf(error) };
      throw error;
    }
  }

  /**
   * True when the DUNS is in the registration. Absence is the documented 404 `10001`; a 2xx is
   * presence whatever its code (`21110` is known only from a secondary source), so a code we did
   * not expect never makes `registrations sync` forget a subject that is still billed.
   */
  async checkSubject(reference: string, duns: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.#info({
        method: "GET",
        path: this.#subjectPath(reference, duns),
        endpoint: "subjects.check",
        signal,
      });
      return true;
    } catch (error) {
      if (isSubjectAbsent(error)) return false;
      throw error;
    }
  }

  /** Adds many DUNS by file (multipart PATCH). D&B processes it asynchronously. */
  addSubjects(reference: string, duns: string[], signal?: AbortSignal): Promise<Information> {
    return this.#batch(reference, duns, { action: "add", signal });
  }

  removeSubjects(reference: string, duns: string[], signal?: AbortSignal): Promise<Information> {
    return this.#batch(reference, duns, { action: "remove", signal });
  }

  suppress(reference: string, signal?: AbortSignal): Promise<Information> {
    return this.#info({
      method: "PATCH",
      path: `${registrationPath(reference)}/suppress`,
      endpoint: "registrations.suppress",
      signal,
    });
  }

  unsuppress(reference: string, signal?: AbortSignal): Promise<Information> {
    return this.#info({
      method: "DELETE",
      path: `${registrationPath(reference)}/suppress`,
      endpoint: "registrations.unsuppress",
      signal,
    });
  }

  /**
   * Asks D&B to deliver the subject list to the registration's destination. D&B's verb for it
   * is unknown (dnb-direct-plus.md §2.0): POST, and GET when the gateway answers 405.
   */
  async requestExport(reference: string, signal?: AbortSignal): Promise<Information> {
    const path = `/v1/monitoring/registrations/export/${
      encodeURIComponent(reference)
    }/${this.#family}`;
    try {
      return await this.#info({ method: "POST", path, endpoint: "registrations.export", signal });
    } catch (error) {
      if (!(error instanceof DnbApiError && error.status === 405)) throw error;
      return await this.#info({ method: "GET", path, endpoint: "registrations.export", signal });
    }
  }

  #subjectPath(reference: string, duns: string): string {
    return `${registrationPath(reference)}/${this.#family}/${encodeURIComponent(duns)}`;
  }

  #batch(
    reference: string,
    duns: string[],
    options: { action: "add" | "remove"; signal?: AbortSignal },
  ): Promise<Information> {
    const form = new FormData();
    const file = dunsFile(duns);
    let path: string;
    if (this.#family === "subjects") {
      path = `${registrationPath(reference)}/subjects`;
      const field = options.action === "add" ? "addSubjectIDs" : "removeSubjectIDs";
      form.set(field, file, "subjects.txt");
    } else {
      path = `${registrationPath(reference)}/duns/${options.action}`;
      form.set("duns", file, "duns.txt");
    }
    return this.#info({
      method: "PATCH",
      path,
      endpoint: `subjects.${options.action}_batch`,
      body: form,
      signal: options.signal,
    });
  }

  async #info(request: Parameters<AuthorizedApi["send"]>[0]): Promise<Information> {
    const response = await this.#api.send(request);
    let body: Partial<InformationBody> = {};
    try {
      body = response.text ? JSON.parse(response.text) : {};
    } catch {
      // Some writes answer 202 with no body; the status says enough.
    }
    return {
      status: response.status,
      code: body.information?.code ?? null,
      message: body.information?.message ?? null,
    };
  }
}

function dunsFile(duns: string[]): Blob {
  return new Blob([duns.join("\n") + "\n"], { type: "text/plain" });
}

function isSubjectAbsent(error: unknown): error is DnbApiError {
  return error instanceof DnbApiError && error.status === 404 &&
    error.errorCode === ERROR_CODES.dunsNotFound;
}

function infoOf(error: DnbApiError): Information {
  return { status: error.status, code: error.errorCode, message: error.errorMessage };
}
