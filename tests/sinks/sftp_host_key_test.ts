import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import {
  hostKeyCheck,
  keyTypeOf,
  knownHostsMatch,
  knownHostsName,
  parseKnownHosts,
  sftpFingerprint,
} from "../../src/sinks/sftp/mod.ts";
import { fingerprintOf, run } from "../helpers/sshd.ts";

const SSH_KEYGEN = "/usr/bin/ssh-keygen";
const noKeygen = (() => {
  try {
    return !Deno.statSync(SSH_KEYGEN).isFile;
  } catch {
    return true;
  }
})();
const KEYGEN_NEEDS = "needs: apt-get install openssh-client";

/** A public key blob with the given type, so tests need no real key for pure logic. */
function blob(type: string, body: number[]): Uint8Array {
  const name = new TextEncoder().encode(type);
  return new Uint8Array([0, 0, 0, name.length, ...name, ...body]);
}

const ED = blob("ssh-ed25519", [1, 2, 3, 4]);
const ED_OTHER = blob("ssh-ed25519", [9, 9, 9, 9]);
const RSA = blob("ssh-rsa", [5, 6, 7]);
const b64 = (key: Uint8Array) => Buffer.from(key).toString("base64");

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sftp_host_key_test_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: `sftp host key: the fingerprint is what ssh-keygen -lf prints (${KEYGEN_NEEDS})`,
  ignore: noKeygen,
  async fn() {
    await withTempDir(async (dir) => {
      for (const type of [["-t", "ed25519"], ["-t", "rsa", "-b", "2048"], ["-t", "ecdsa"]]) {
        const path = join(dir, type[1]);
        await run(SSH_KEYGEN, ["-q", ...type, "-N", "", "-f", path]);
        const [keyType, base64] = (await Deno.readTextFile(`${path}.pub`)).split(" ");
        const key = new Uint8Array(Buffer.from(base64, "base64"));
        assert.equal(sftpFingerprint(key), await fingerprintOf(`${path}.pub`));
        assert.equal(keyTypeOf(key), keyType);
      }
    });
  },
});

Deno.test("sftp host key: known_hosts names a host plainly on 22, as [host]:port elsewhere", () => {
  assert.equal(knownHostsName("SFTP.Example.com", 22), "sftp.example.com");
  assert.equal(knownHostsName("10.0.0.5", 2222), "[10.0.0.5]:2222");
});

Deno.test("sftp host key: host patterns match as OpenSSH matches them", () => {
  assert.ok(knownHostsMatch("sftp.example.com", "sftp.example.com", 22));
  assert.ok(knownHostsMatch("a.example.com,SFTP.example.com", "sftp.EXAMPLE.com", 22));
  assert.ok(!knownHostsMatch("sftp.example.com", "sftp.example.com", 2222));
  assert.ok(knownHostsMatch("[sftp.example.com]:2222", "sftp.example.com", 2222));
  assert.ok(!knownHostsMatch("[sftp.example.com]:2222", "sftp.example.com", 2223));
  assert.ok(knownHostsMatch("*.example.com", "sftp.example.com", 22));
  assert.ok(knownHostsMatch("sftp?.example.com", "sftp1.example.com", 22));
  assert.ok(!knownHostsMatch("sftp?.example.com", "sftp.example.com", 22));
  assert.ok(!knownHostsMatch("*.example.com,!sftp.example.com", "sftp.example.com", 22));
  assert.ok(knownHostsMatch("*.example.com,!sftp.example.com", "www.example.com", 22));
  // Regex characters in a pattern are literal.
  assert.ok(!knownHostsMatch("sftp.example.com", "sftpxexample.com", 22));
});

Deno.test({
  name: `sftp host key: hashed entries from ssh-keygen -H match their host only (${KEYGEN_NEEDS})`,
  ignore: noKeygen,
  async fn() {
    await withTempDir(async (dir) => {
      const file = join(dir, "known_hosts");
      await Deno.writeTextFile(
        file,
        `sftp.example.com ssh-ed25519 ${b64(ED)}\n[10.0.0.5]:2222 ssh-ed25519 ${b64(ED)}\n`,
      );
      await run(SSH_KEYGEN, ["-H", "-f", file]);
      const [plain22, port2222] = parseKnownHosts(await Deno.readTextFile(file));
      assert.match(plain22.hosts, /^\|1\|/);
      assert.ok(knownHostsMatch(plain22.hosts, "sftp.example.com", 22));
      assert.ok(knownHostsMatch(plain22.hosts, "SFTP.example.com", 22));
      assert.ok(!knownHostsMatch(plain22.hosts, "sftp.example.org", 22));
      assert.ok(!knownHostsMatch(plain22.hosts, "sftp.example.com", 2222));
      assert.ok(knownHostsMatch(port2222.hosts, "10.0.0.5", 2222));
      assert.ok(!knownHostsMatch(port2222.hosts, "10.0.0.5", 22));
    });
  },
});

Deno.test("sftp host key: parsing keeps usable lines with their markers and line numbers", () => {
  const entries = parseKnownHosts([
    "# comment",
    "",
    `host1 ssh-ed25519 ${b64(ED)} comment here`,
    `@revoked * ssh-ed25519 ${b64(ED_OTHER)}`,
    `@cert-authority *.example.com ssh-rsa ${b64(RSA)}`,
    `@unknown-marker host2 ssh-ed25519 ${b64(ED)}`,
    `host3 ssh-rsa ${b64(ED)}`, // the type field disagrees with the blob
    "host4 ssh-ed25519 not*base64",
    "truncated-line",
    `  host5   ssh-rsa   ${b64(RSA)}  `,
  ].join("\r\n"));
  assert.deepEqual(
    entries.map((e) => [e.line, e.marker, e.hosts, e.keyType]),
    [
      [3, null, "host1", "ssh-ed25519"],
      [4, "revoked", "*", "ssh-ed25519"],
      [5, "cert-authority", "*.example.com", "ssh-rsa"],
      [10, null, "host5", "ssh-rsa"],
    ],
  );
  assert.deepEqual(entries[0].key, ED);
});

Deno.test("sftp host key: a pin accepts its key only, with or without base64 padding", () => {
  const pin = sftpFingerprint(ED);
  assert.ok(!pin.endsWith("="));
  const check = hostKeyCheck({ host: "h", port: 22, pin, knownHosts: null });
  assert.equal(check.algorithms, undefined);
  assert.deepEqual(check.verify(ED), {
    accepted: true,
    reason: "pinned",
    fingerprint: pin,
    keyType: "ssh-ed25519",
    detail: `host_key_fingerprint is ${pin}`,
  });
  const other = check.verify(ED_OTHER);
  assert.equal(other.accepted, false);
  assert.equal(other.reason, "pin_mismatch");
  assert.equal(other.fingerprint, sftpFingerprint(ED_OTHER));
  const padded = hostKeyCheck({ host: "h", port: 22, pin: pin + "=", knownHosts: null });
  assert.ok(padded.verify(ED).accepted);
});

Deno.test("sftp host key: known_hosts accepts listed keys, refuses changed, unknown and revoked", () => {
  const text = [
    `[h]:2222 ssh-ed25519 ${b64(ED)}`,
    `[h]:2222 ssh-rsa ${b64(RSA)}`,
    `other ssh-ed25519 ${b64(ED_OTHER)}`,
    `@revoked [r]:2222 ssh-ed25519 ${b64(ED)}`,
    `[r]:2222 ssh-ed25519 ${b64(ED)}`,
  ].join("\n");
  const knownHosts = { text, path: "/etc/known_hosts" };
  const check = hostKeyCheck({ host: "h", port: 2222, pin: null, knownHosts });
  assert.deepEqual(check.algorithms, ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  assert.deepEqual(
    [check.verify(ED).reason, check.verify(ED).detail],
    ["known", "/etc/known_hosts line 1"],
  );
  assert.ok(check.verify(RSA).accepted);
  const changed = check.verify(ED_OTHER);
  assert.equal(changed.reason, "changed");
  assert.match(changed.detail, /line 1: ssh-ed25519 SHA256:/);

  const unknown = hostKeyCheck({ host: "nobody", port: 22, pin: null, knownHosts });
  assert.equal(unknown.algorithms, undefined);
  assert.deepEqual(
    [unknown.verify(ED).reason, unknown.verify(ED).detail],
    ["unknown", "/etc/known_hosts has no entry for nobody"],
  );
  const revoked = hostKeyCheck({ host: "r", port: 2222, pin: null, knownHosts }).verify(ED);
  assert.equal(revoked.reason, "revoked");
  assert.equal(revoked.accepted, false);
});

Deno.test("sftp host key: with a pin and a known_hosts file, both must accept the key", () => {
  const knownHosts = { text: `h ssh-ed25519 ${b64(ED)}\n`, path: "kh" };
  const both = hostKeyCheck({ host: "h", port: 22, pin: sftpFingerprint(ED), knownHosts });
  assert.ok(both.verify(ED).accepted);
  const pinOther = hostKeyCheck({
    host: "h",
    port: 22,
    pin: sftpFingerprint(ED_OTHER),
    knownHosts,
  });
  assert.equal(pinOther.verify(ED).reason, "pin_mismatch");
  assert.equal(pinOther.verify(ED_OTHER).reason, "changed");
});
