import { dirname, join } from "node:path";
import type { Config } from "./config.ts";
import { NODEMAILER_ENV_VARIABLES } from "./alerts_config.ts";
import { databaseUrlScheme } from "./database_url.ts";
import { kvLocation } from "./kv_location.ts";

/**
 * The Deno permissions a configuration needs, and nothing more: read and write of the paths it
 * names, net to the hosts it talks to and listens on, env of the variables it references. Pure:
 * the caller passes what it knows about the process (where the source is, which variables the
 * file references), so the same derivation serves `config check` and the build of a binary.
 */
export interface PermissionSet {
  read: string[];
  write: string[];
  net: string[];
  env: string[];
}

/** What the derivation needs beyond the configuration. */
export interface PermissionContext {
  /** The configuration file, absolute; null for none (the program's own default is inside). */
  configPath: string | null;
  /** The variables the configuration file references (`referencedVariables`). */
  variables: readonly string[];
  /**
   * The project folder when run from source (the SQLite worker is loaded from it at run time);
   * null for a compiled binary, which carries the worker inside.
   */
  sourceRoot: string | null;
}

/**
 * Variables the program reads itself, whatever the file says: the config path, the token the
 * `status` command sends, `~` expansion, and the colour switches (commander reads FORCE_COLOR
 * and CLICOLOR_FORCE whenever it prints help or an error).
 */
export const PROGRAM_VARIABLES: readonly string[] = [
  "TRACEONE_CONFIG",
  "TRACEONE_HTTP_TOKEN",
  "HOME",
  "NO_COLOR",
  "FORCE_COLOR",
  "CLICOLOR_FORCE",
];

/** The permissions `run` (and every other command on the same file) needs. */
export function permissionsFor(config: Config, context: PermissionContext): PermissionSet {
  const read = new Set<string>();
  const write = new Set<string>();
  const net = new Set<string>();
  if (context.configPath !== null) read.add(context.configPath);

  const kv = kvLocation(config.state.kv_path);
  let kvConnect = false;
  if (kv.kind === "file") {
    // Deno KV keeps a -wal and a -shm file beside the store: its folder, not the file alone.
    const stateDir = dirname(kv.path);
    read.add(stateDir);
    write.add(stateDir);
  } else if (kv.kind === "remote") {
    net.add(urlHostPort(kv.url, null));
    kvConnect = true;
  }

  if (config.local_storage.enabled) {
    read.add(config.local_storage.base_path);
    write.add(config.local_storage.base_path);
  }
  if (config.sftp_storage.enabled) {
    const sftp = config.sftp_storage;
    net.add(hostPort(sftp.hostname, sftp.port));
    if (sftp.private_key_path) read.add(sftp.private_key_path);
    if (sftp.known_hosts_path) read.add(sftp.known_hosts_path);
  }
  if (config.object_storage.enabled) {
    const objects = config.object_storage;
    net.add(urlHostPort(objects.endpoint, objects.path_style ? null : objects.bucket));
  }
  let postgresVariables = false;
  const addDatabase = (url: string) => {
    if (databaseUrlScheme(url) === "sqlite:") {
      const folder = dirname(url.slice("sqlite:".length));
      read.add(folder);
      write.add(folder);
      if (context.sourceRoot !== null) read.add(join(context.sourceRoot, "src", "db"));
    } else {
      for (const host of databaseHosts(url)) net.add(host);
      // pg reads libpq's variables (PGHOST, PGSSLMODE, …) and USER for its defaults.
      postgresVariables = true;
    }
  };
  if (config.database.enabled) addDatabase(config.database.url.reveal());

  if (config.simulator.enabled) {
    // The simulator serves on a private port behind its front (any port of the loopback host).
    net.add(bareHost(config.simulator.hostname));
    net.add("127.0.0.1");
  } else {
    net.add(urlHostPort(config.dnb_api.base_url));
  }
  if (config.http.enabled) net.add(hostPort(config.http.hostname, config.http.port));

  for (const entry of config.monitoring.sync) {
    if (entry.file !== null) read.add(entry.file);
  }
  // `from_sql` reads the configured database even when the SQL sink is off.
  if (!config.database.enabled && config.monitoring.sync.some((entry) => entry.from_sql !== null)) {
    addDatabase(config.database.url.reveal());
  }

  const env = new Set(PROGRAM_VARIABLES);
  if (postgresVariables) { for (const name of ["PG*", "USER"]) env.add(name); }
  if (kvConnect) env.add("DENO_KV_ACCESS_TOKEN");
  for (const rule of config.alerts.rules) {
    const { webhook, email } = rule.destinations;
    if (webhook) net.add(urlHostPort(webhook.url));
    if (email) {
      net.add(hostPort(email.smtp.host, email.smtp.port));
      for (const name of NODEMAILER_ENV_VARIABLES) env.add(name);
    }
  }
  for (const name of context.variables) env.add(name);
  // A bare host grants every port of it already.
  const hosts = [...net].filter((entry) => !/:\d+$/.test(entry));
  const netEntries = [...net].filter((entry) =>
    !hosts.some((host) => entry !== host && entry.startsWith(`${host}:`))
  );
  return {
    read: outermost(read),
    write: outermost(write),
    net: netEntries.sort(),
    env: [...env].sort(),
  };
}

/** The paths no other one contains (a grant of a folder covers everything in it), sorted. */
function outermost(paths: Set<string>): string[] {
  const all = [...paths];
  return all.filter((path) =>
    !all.some((other) =>
      other !== path && path.startsWith(other.endsWith("/") ? other : `${other}/`)
    )
  ).sort();
}

/** The set as `deno run` flags, one per kind that grants anything. */
export function denoRunFlags(set: PermissionSet): string[] {
  const flags: string[] = [];
  for (const kind of ["read", "write", "net", "env"] as const) {
    if (set[kind].length > 0) flags.push(`--allow-${kind}=${set[kind].join(",")}`);
  }
  return flags;
}

/** Quotes a flag for a POSIX shell when it holds anything but plain path characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./\[\]-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function bareHost(hostname: string): string {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  return host.includes(":") ? `[${host}]` : host;
}

/** `host:port`, or the host alone for port 0 (any free port, unknown beforehand). */
function hostPort(hostname: string, port: number): string {
  return port === 0 ? bareHost(hostname) : `${bareHost(hostname)}:${port}`;
}

/** The URL's `host:port`; with `subdomain`, that name in front (a virtual-hosted bucket). */
function urlHostPort(text: string, subdomain: string | null = null): string {
  const url = new URL(text);
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return hostPort(subdomain === null ? url.hostname : `${subdomain}.${url.hostname}`, port);
}

/** A PostgreSQL URL's host and port (5432 by default); a Unix socket needs no net. */
function databaseHosts(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const socket = url.searchParams.get("host");
  if (url.hostname === "" || socket?.startsWith("/")) return [];
  return [hostPort(decodeURIComponent(url.hostname), url.port === "" ? 5432 : Number(url.port))];
}
