import { Buffer } from "node:buffer";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * The fingerprint of a public key blob as `ssh-keygen -lf` prints it: `SHA256:` and the base64
 * of the blob's SHA-256, without padding.
 */
export function sftpFingerprint(keyBlob: Uint8Array): string {
  const digest = createHash("sha256").update(keyBlob).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/** The algorithm name a key blob starts with (`ssh-ed25519`, `ssh-rsa`…), or `unknown`. */
export function keyTypeOf(keyBlob: Uint8Array): string {
  if (keyBlob.length < 4) return "unknown";
  const length = new DataView(keyBlob.buffer, keyBlob.byteOffset, 4).getUint32(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return "unknown";
  return new TextDecoder().decode(keyBlob.subarray(4, 4 + length));
}

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  /** `@revoked` lines refuse their key; `@cert-authority` lines are kept but never match a key. */
  marker: "revoked" | "cert-authority" | null;
  /** The host field as written: comma-separated patterns, or one hashed `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Uint8Array;
  /** 1-based, for messages. */
  line: number;
}

/** The lines of a known_hosts file that can be used; comments and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === "" || fields[0].startsWith("#")) return;
    let marker: KnownHostEntry["marker"] = null;
    if (fields[0].startsWith("@")) {
      const name = fields.shift()!.slice(1);
      if (name !== "revoked" && name !== "cert-authority") return;
      marker = name;
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return;
    const key = new Uint8Array(Buffer.from(base64, "base64"));
    // A blob names its own type; a line whose type field disagrees is corrupt, not a match.
    if (keyTypeOf(key) !== keyType) return;
    entries.push({ marker, hosts, keyType, key, line: index + 1 });
  });
  return entries;
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

/**
 * Whether a known_hosts host field names `host:port`: a hashed `|1|salt|hash` entry (HMAC-SHA1
 * of the name, keyed by the salt), or patterns with `*`, `?` and `!` negation, as OpenSSH
 * matches them.
 */
export function knownHostsMatch(hosts: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (hosts.startsWith("|1|")) {
    const [, , salt, hash] = hosts.split("|");
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, "base64");
    const actual = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  let matched = false;
  for (const pattern of hosts.toLowerCase().split(",")) {
    const negated = pattern.startsWith("!");
    if (!globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

export type HostKeyVerdictReason =
  | "pinned"
  | "known"
  | "pin_mismatch"
  | "changed"
  | "unknown"
  | "revoked";

/** What checking one presented host key found, for the connection and for error messages. */
export interface HostKeyVerdict {
  accepted: boolean;
  reason: HostKeyVerdictReason;
  /** The presented key's fingerprint, `SHA256:…`. */
  fingerprint: string;
  keyType: string;
  /** What it was compared with, in words: the pin, or the known_hosts lines that matched. */
  detail: string;
}

export interface HostKeyCheck {
  verify(keyBlob: Uint8Array): HostKeyVerdict;
  /** Host key algorithms to ask the server for, so it presents a key type the file lists. */
  algorithms?: string[];
}

export interface HostKeyCheckOptions {
  host: string;
  port: number;
  /** `SHA256:…`, as `host_key_fingerprint` holds it. */
  pin: string | null;
  knownHosts: { text: string; path: string } | null;
}

/**
 * The check a connection runs on the server's key. Every configured source must accept the key
 * (a pin and a known_hosts file both, when both are set); there is no way to accept any key.
 */
export function hostKeyCheck(options: HostKeyCheckOptions): HostKeyCheck {
  const { host, port, pin } = options;
  const entries = options.knownHosts
    ? parseKnownHosts(options.knownHosts.text).filter((entry) =>
      entry.marker !== "cert-authority" && knownHostsMatch(entry.hosts, host, port)
    )
    : [];
  const listed = entries.filter((entry) => entry.marker === null);

  function verify(keyBlob: Uint8Array): HostKeyVerdict {
    const fingerprint = sftpFingerprint(keyBlob);
    const keyType = keyTypeOf(keyBlob);
    const verdict = (accepted: boolean, reason: HostKeyVerdictReason, detail: string) => ({
      accepted,
      reason,
      fingerprint,
      keyType,
      detail,
    });
    let accepted: HostKeyVerdict | null = null;
    if (pin !== null) {
      const expected = pin.replace(/=+$/, "");
      if (fingerprint !== expected) {
        return verdict(false, "pin_mismatch", `host_key_fingerprint is ${expected}`);
      }
      accepted = verdict(true, "pinned", `host_key_fingerprint is ${expected}`);
    }
    if (options.knownHosts) {
      const file = options.knownHosts.path;
      const name = knownHostsName(host, port);
      const same = (entry: KnownHostEntry) => equalBytes(entry.key, keyBlob);
      const revoked = entries.find((entry) => entry.marker === "revoked" && same(entry));
      if (revoked) {
        return verdict(false, "revoked", `${file} line ${revoked.line} marks this key @revoked`);
      }
      const known = listed.find(same);
      if (!known) {
        if (listed.length === 0) {
          return verdict(false, "unknown", `${file} has no entry for ${name}`);
        }
        const lines = listed.map((entry) =>
          `line ${entry.line}: ${entry.keyType} ${sftpFingerprint(entry.key)}`
        );
        return verdict(false, "changed", `${file} lists for ${name} ${lines.join("; ")}`);
      }
      accepted = verdict(true, "known", `${file} line ${known.line}`);
    }
    return accepted ?? verdict(false, "unknown", "neither a pin nor a known_hosts file is set");
  }

  const algorithms = [...new Set(listed.flatMap((entry) => algorithmsFor(entry.keyType)))];
  return { verify, algorithms: algorithms.length > 0 ? algorithms : undefined };
}

// ssh-rsa keys sign with SHA-2 today (OpenSSH 8.8+ refuses SHA-1 by default).
function algorithmsFor(keyType: string): string[] {
  switch (keyType) {
    case "ssh-rsa":
      return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
    case "ssh-ed25519":
    case "ecdsa-sha2-nistp256":
    case "ecdsa-sha2-nistp384":
    case "ecdsa-sha2-nistp521":
      return [keyType];
    default:
      return [];
  }
}

function globMatch(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(
    /\?/g,
    ".",
  );
  return new RegExp(`^${source}$`).test(name);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
