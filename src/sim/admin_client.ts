/**
 * A typed client for the `/_sim` admin API, so tests and demos that run the simulator in another
 * process (or over real HTTP) need not spell the JSON by hand.
 */
import type { AdminRegistrationView } from "./admin_routes.ts";
import type { Faults, FaultsPatch } from "./faults.ts";
import type { Counters } from "./state.ts";

export type { AdminRegistrationView } from "./admin_routes.ts";
export type { Counters } from "./state.ts";
export type { Faults, FaultsPatch } from "./faults.ts";

export interface AdminRegistrationRequest {
  reference: string;
  duns?: string[];
  deliveryTrigger?: string;
  suppressed?: boolean;
  seedData?: boolean;
  email?: string[];
  description?: string;
}

export type EnqueueRequest =
  | { notifications: unknown[] }
  | { raw: string[] }
  | { generate: number; types?: string[] };

export class SimulatorAdminError extends Error {
  override name = "SimulatorAdminError";
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface SimulatorAdminOptions {
  /** The simulator's admin token, e.g. `RunningSimulator.adminToken`. */
  token: string;
}

export class SimulatorAdmin {
  readonly #base: string;
  readonly #token: string;

  /** `url` is the simulator's base URL, e.g. `RunningSimulator.url`. */
  constructor(url: string, options: SimulatorAdminOptions) {
    this.#base = `${url.replace(/\/$/, "")}/_sim`;
    this.#token = options.token;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new SimulatorAdminError(
        response.status,
        `${method} /_sim${path} failed with ${response.status}: ${text}`,
      );
    }
    return JSON.parse(text) as T;
  }

  createRegistration(request: AdminRegistrationRequest): Promise<AdminRegistrationView> {
    return this.#call("POST", "/registrations", request);
  }

  registration(reference: string): Promise<AdminRegistrationView> {
    return this.#call("GET", `/registrations/${encodeURIComponent(reference)}`);
  }

  enqueue(reference: string, request: EnqueueRequest): Promise<{ enqueued: number }> {
    return this.#call(
      "POST",
      `/registrations/${encodeURIComponent(reference)}/notifications`,
      request,
    );
  }

  faults(): Promise<Faults> {
    return this.#call("GET", "/faults");
  }

  setFaults(patch: FaultsPatch): Promise<Faults> {
    return this.#call("PUT", "/faults", patch);
  }

  counters(): Promise<Counters> {
    return this.#call("GET", "/counters");
  }

  reset(): Promise<unknown> {
    return this.#call("POST", "/reset");
  }

  advanceClock(seconds: number): Promise<{ now: string; offsetSeconds: number }> {
    return this.#call("POST", "/clock", { advanceSeconds: seconds });
  }

  expireTokens(): Promise<{ expired: number }> {
    return this.#call("POST", "/tokens/expire");
  }

  /** Invalidates the issued tokens early: data calls then get 401 `00004`. */
  revokeTokens(): Promise<{ revoked: number }> {
    return this.#call("POST", "/tokens/revoke");
  }
}
