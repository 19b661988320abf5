/**
 * What `state.kv_path` names. Deno KV opens a local SQLite file, an in-memory store, a remote
 * store over KV Connect (Deno Deploy's managed KV from elsewhere, a self-hosted `denokv`), or,
 * with no path at all on Deno Deploy, the deployment's own KV.
 */
export type KvLocation =
  | { kind: "file"; path: string }
  | { kind: "remote"; url: string }
  | { kind: "memory" }
  | { kind: "default" };

/** Reads `state.kv_path` (after resolution: a file path is absolute). */
export function kvLocation(kvPath: string): KvLocation {
  if (kvPath === "") return { kind: "default" };
  if (kvPath === ":memory:") return { kind: "memory" };
  if (/^https?:\/\//i.test(kvPath)) return { kind: "remote", url: kvPath };
  return { kind: "file", path: kvPath };
}

/** The argument of `Deno.openKv`: the text as written for a URL, nothing for the default. */
export function openKvArgument(location: KvLocation): string | undefined {
  switch (location.kind) {
    case "file":
      return location.path;
    case "remote":
      return location.url;
    case "memory":
      return ":memory:";
    case "default":
      return undefined;
  }
}
