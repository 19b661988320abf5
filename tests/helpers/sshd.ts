import { join } from "node:path";

/**
 * A private OpenSSH server for tests: its own config, host keys, authorized_keys and upload
 * folder in a temp dir, on a free loopback port, started and stopped by PID. Tests run as root
 * (here and in CI): the server logs in a dedicated local user, created once.
 */

export const SSHD_PATH = "/usr/sbin/sshd";
/** For test names, so a machine without OpenSSH reports the tests ignored and says why. */
export const SSHD_NEEDS = "needs: apt-get install openssh-server";
export const SFTP_TEST_USER = "traceone_sftp_test";
/** The passphrase of `clientKeys.encryptedPath`. */
export const CLIENT_KEY_PASSPHRASE = "correct horse battery staple";

// The password survives across processes (several test files may share the user at once), so
// it lives in a root-only file; every start sets it again, which is idempotent.
const PASSWORD_FILE = "/var/tmp/traceone_sftp_test.password";

/** Whether OpenSSH's server is installed. */
export function sshdAvailable(): boolean {
  try {
    return Deno.statSync(SSHD_PATH).isFile;
  } catch {
    return false;
  }
}

export interface StartSshdOptions {
  /** Also give the server an RSA host key (it then holds ed25519 and RSA). */
  rsaHostKey?: boolean;
  /** Allow password logins; key logins always work. */
  passwordAuthentication?: boolean;
}

export interface HostKeyInfo {
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The `.pub` line: `<type> <base64> <comment>`. */
  publicKey: string;
}

export interface ClientKeys {
  ed25519Path: string;
  /** RSA in OpenSSH's own private key format. */
  rsaPath: string;
  /** RSA in the old PEM format (`-m PEM`). */
  rsaPemPath: string;
  /** ed25519 encrypted with `CLIENT_KEY_PASSPHRASE`. */
  encryptedPath: string;
}

export interface RunningSshd {
  host: "127.0.0.1";
  port: number;
  /** The ed25519 host key's fingerprint: the key ssh2 gets unless it asks for another type. */
  hostKeyFingerprint: string;
  hostKeys: { ed25519: HostKeyInfo; rsa: HostKeyInfo | null };
  user: string;
  password: string;
  clientKeys: ClientKeys;
  /** A folder the test user may write; uploads go below it. */
  root: string;
  /** The temp dir holding everything; removed by `dispose`. */
  dir: string;
  /** Stops the server and every session it forked, by PID, and waits for them. */
  stop(): Promise<void>;
  /** `stop`, then start again on the same port with the same keys. */
  restart(): Promise<void>;
  /** The server's log so far, for failure messages. */
  log(): Promise<string>;
  /** Stops the server and removes its temp dir. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a private sshd; dispose it (`await using`) to stop it and remove its files. */
export async function startSshd(options: StartSshdOptions = {}): Promise<RunningSshd> {
  if (!sshdAvailable()) throw new Error(`${SSHD_PATH} is missing (${SSHD_NEEDS})`);
  const account = await ensureTestUser();
  const dir = await Deno.makeTempDir({ prefix: "traceone_sshd_" });
  try {
    // The test user reads authorized_keys and walks to its upload folder through this dir.
    await Deno.chmod(dir, 0o755);
    const clientKeys: ClientKeys = {
      ed25519Path: join(dir, "client_ed25519"),
      rsaPath: join(dir, "client_rsa"),
      rsaPemPath: join(dir, "client_rsa_pem"),
      encryptedPath: join(dir, "client_ed25519_encrypted"),
    };
    // RSA key generation dominates start-up; the keys are made side by side.
    const [ed25519, rsa, ...clientPublicKeys] = await Promise.all([
      makeKey(join(dir, "ssh_host_ed25519_key"), ["-t", "ed25519"]),
      options.rsaHostKey
        ? makeKey(join(dir, "ssh_host_rsa_key"), ["-t", "rsa", "-b", "2048"])
        : Promise.resolve(null),
      makeKey(clientKeys.ed25519Path, ["-t", "ed25519"]),
      makeKey(clientKeys.rsaPath, ["-t", "rsa", "-b", "2048"]),
      makeKey(clientKeys.rsaPemPath, ["-t", "rsa", "-b", "2048", "-m", "PEM"]),
      makeKey(clientKeys.encryptedPath, ["-t", "ed25519"], CLIENT_KEY_PASSPHRASE),
    ]);
    if (ed25519 === null) throw new Error("no ed25519 host key");
    const authorizedKeys = join(dir, "authorized_keys");
    await Deno.writeTextFile(
      authorizedKeys,
      clientPublicKeys.map((key) => key.publicKey).join("\n") + "\n",
      { mode: 0o644 },
    );
    await Deno.chmod(authorizedKeys, 0o644);
    const root = join(dir, "root");
    await Deno.mkdir(root, { mode: 0o755 });
    await Deno.chown(root, account.uid, account.gid);

    const port = freePort();
    const configPath = join(dir, "sshd_config");
    const logPath = join(dir, "sshd.log");
    await Deno.writeTextFile(
      configPath,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${join(dir, "ssh_host_ed25519_key")}`,
        ...(rsa ? [`HostKey ${join(dir, "ssh_host_rsa_key")}`] : []),
        `PidFile ${join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        "Subsystem sftp internal-sftp",
        "UsePAM no",
        "StrictModes no",
        `PasswordAuthentication ${options.passwordAuthentication ? "yes" : "no"}`,
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin no",
        `AllowUsers ${SFTP_TEST_USER}`,
        // SFTP only: the account gets no shell, no forwarding, on this server.
        "ForceCommand internal-sftp",
        "AllowTcpForwarding no",
        "X11Forwarding no",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    await Deno.mkdir("/run/sshd", { recursive: true });

    let server: Deno.ChildProcess | null = null;
    const start = async () => {
      // -E: the log goes to a file, not to an inherited pipe that forked sessions would hold
      // open after the server is gone.
      server = new Deno.Command(SSHD_PATH, {
        args: ["-D", "-f", configPath, "-E", logPath],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitForPort(port, server, logPath);
    };
    const stop = async () => {
      const running = server;
      if (running === null) return;
      server = null;
      const sessions = descendantsOf(running.pid);
      for (const pid of sessions) signal(pid, "SIGTERM");
      signal(running.pid, "SIGTERM");
      await running.status;
      await waitGone(sessions);
    };
    const log = () => Deno.readTextFile(logPath).catch(() => "");
    const dispose = async () => {
      await stop();
      await Deno.remove(dir, { recursive: true });
    };
    await start();
    return {
      host: "127.0.0.1",
      port,
      hostKeyFingerprint: ed25519.fingerprint,
      hostKeys: { ed25519, rsa },
      user: SFTP_TEST_USER,
      password: account.password,
      clientKeys,
      root,
      dir,
      stop,
      async restart() {
        await stop();
        await start();
      },
      log,
      dispose,
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Runs a command; throws with its output when it fails. */
export async function run(command: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(command, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  const text = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${output.code}: ${text.decode(output.stderr)}`,
    );
  }
  return text.decode(output.stdout);
}

/** `ssh-keygen -lf` of a public key file: the `SHA256:…` field. */
export async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const line = await run("ssh-keygen", ["-lf", publicKeyPath]);
  const fingerprint = line.split(/\s+/)[1];
  if (!fingerprint?.startsWith("SHA256:")) throw new Error(`ssh-keygen -lf printed "${line}"`);
  return fingerprint;
}

async function makeKey(path: string, type: string[], passphrase = ""): Promise<HostKeyInfo> {
  await run("ssh-keygen", ["-q", ...type, "-N", passphrase, "-C", "traceone-test", "-f", path]);
  return {
    fingerprint: await fingerprintOf(`${path}.pub`),
    publicKey: (await Deno.readTextFile(`${path}.pub`)).trim(),
  };
}

interface TestAccount {
  uid: number;
  gid: number;
  password: string;
}

/** The test user, created if missing, with its password (re)set: idempotent. */
async function ensureTestUser(): Promise<TestAccount> {
  if (Deno.uid() !== 0) {
    throw new Error("the sshd harness runs as root: it creates the user " + SFTP_TEST_USER);
  }
  try {
    await run("id", ["-u", SFTP_TEST_USER]);
  } catch {
    try {
      await run("useradd", [
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        SFTP_TEST_USER,
      ]);
    } catch (error) {
      // Another test process created it in between.
      await run("id", ["-u", SFTP_TEST_USER]).catch(() => Promise.reject(error));
    }
  }
  const password = await sharedPassword();
  // Setting the password also unlocks the account, which key logins need without PAM.
  await run("chpasswd", [], `${SFTP_TEST_USER}:${password}\n`);
  const uid = Number((await run("id", ["-u", SFTP_TEST_USER])).trim());
  const gid = Number((await run("id", ["-g", SFTP_TEST_USER])).trim());
  return { uid, gid, password };
}

async function sharedPassword(): Promise<string> {
  try {
    const file = await Deno.open(PASSWORD_FILE, { write: true, createNew: true, mode: 0o600 });
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    const password = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
    await file.write(new TextEncoder().encode(password));
    file.close();
    return password;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  // Written by another process: wait (bounded) until it holds the whole password.
  for (let attempt = 0; attempt < 50; attempt++) {
    const password = (await Deno.readTextFile(PASSWORD_FILE)).trim();
    if (password.length >= 24) return password;
    await delay(20);
  }
  throw new Error(`${PASSWORD_FILE} holds no password; remove it and run again`);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPort(port: number, server: Deno.ChildProcess, logPath: string) {
  let exited = false;
  server.status.then(() => exited = true);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exited) break;
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      connection.close();
      return;
    } catch {
      await delay(25);
    }
  }
  const log = await Deno.readTextFile(logPath).catch(() => "");
  if (!exited) {
    signal(server.pid, "SIGTERM");
    await server.status;
  }
  throw new Error(`sshd did not accept connections on 127.0.0.1:${port}:\n${log}`);
}

/** Every process below `pid`, from /proc: the sessions sshd forked. */
function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // The name field is in parentheses and may hold spaces: fields count from its end.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parentOf.set(Number(entry.name), Number(fields[1]));
    } catch {
      // Gone in between.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function waitGone(pids: number[]): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const alive = pids.filter((pid) => {
      try {
        // A zombie waits for its (sshd) parent; it holds no socket any more.
        return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z ");
      } catch {
        return false;
      }
    });
    if (alive.length === 0) return;
    if (attempt === 50) { for (const pid of alive) signal(pid, "SIGKILL"); }
    await delay(20);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
