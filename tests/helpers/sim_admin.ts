/** Raw calls to the simulator's admin API (`/_sim/*`), with its admin token. */

/** What a test needs to reach the admin API: a `RunningSimulator` has both. */
export interface AdminAccess {
  url: string;
  adminToken: string;
}

/** `fetch(url + path)` with `Authorization: Bearer <adminToken>` added to `init`'s headers. */
export function adminFetch(
  sim: AdminAccess,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${sim.adminToken}`);
  return fetch(`${sim.url}${path}`, { ...init, headers });
}

/** A JSON admin call; throws on any status but 2xx. */
export async function adminJson<T = unknown>(
  sim: AdminAccess,
  path: string,
  options: { method?: string; body?: unknown } = {},
): Promise<T> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const response = await adminFetch(sim, path, {
    method,
    headers: options.body === undefined ? {} : { "content-type": "application/json" },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}
