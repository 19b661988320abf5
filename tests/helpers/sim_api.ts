import type { RunningSimulator } from "../../src/sim/server.ts";

// Tests read responses field by field; a precise type per body would add nothing.
// deno-lint-ignore no-explicit-any
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or null when it is not JSON. */
  body: Json;
}

/** Long enough to survive tests that move the simulator's clock by days. */
const TOKEN_LIFETIME_SECONDS = 30 * 86_400;

/** A Direct+ call to the simulator with a freshly issued bearer token. */
export async function api(
  sim: RunningSimulator,
  path: string,
  init: RequestInit = {},
): Promise<Reply> {
  const token = sim.state.tokens.issue(sim.state.now(), TOKEN_LIFETIME_SECONDS);
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  const response = await fetch(`${sim.url}${path}`, { ...init, headers });
  const text = await response.text();
  let body: Json = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Malformed bodies are the point of some tests; they inspect `text`.
  }
  return { status: response.status, headers: response.headers, text, body };
}
