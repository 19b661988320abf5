import { fileURLToPath } from "node:url";
import type { ObjectStorageConfig } from "../../src/config/config.ts";
import { Secret } from "../../src/model/secret.ts";

/**
 * A private S3-compatible server for tests: npm s3rver, installed under `.tools/` (never at the
 * project root, where a package.json would switch Deno into npm mode), on a free loopback port
 * with its own data folder, started and stopped by PID. It serves path-style S3 and accepts the
 * key pair S3RVER/S3RVER. It checks the access key id but not the secret or Content-MD5, so
 * signing and digests are proved by unit tests, not by it.
 */

export const S3RVER_PATH = fileURLToPath(
  new URL("../../.tools/node_modules/.bin/s3rver", import.meta.url),
);
/** For test names, so a machine without s3rver reports the tests ignored and says why. */
export const S3RVER_NEEDS = "needs: cd .tools && npm install --no-audit --no-fund s3rver@3.7.1";
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

/** Whether s3rver is installed under `.tools/` (and node, which runs it, is on PATH). */
export function s3rverAvailable(): boolean {
  try {
    return Deno.statSync(S3RVER_PATH).isFile;
  } catch {
    return false;
  }
}

export interface RunningS3rver {
  /** `http://127.0.0.1:PORT`: the endpoint for `object_storage.endpoint`. */
  endpoint: string;
  port: number;
  bucket: string;
  /** The data folder; objects sit at `<dir>/<bucket>/<key>._S3rver_object`. */
  dir: string;
  /** Stops the server by PID and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder (after `stop`). */
  start(): Promise<void>;
  /** Stops the server and removes its data folder. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts s3rver with `bucket` created; dispose it (`await using`) to stop it and clean up. */
export async function startS3rver(bucket = "traceone"): Promise<RunningS3rver> {
  if (!s3rverAvailable()) throw new Error(`${S3RVER_PATH} is missing (${S3RVER_NEEDS})`);
  const dir = await Deno.makeTempDir({ prefix: "traceone_s3rver_" });
  const port = freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let server: Deno.ChildProcess | null = null;
  // What the running server wrote to stderr, read to its end so the pipe never fills.
  let stderr: Promise<string> = Promise.resolve("");

  const start = async () => {
    if (server !== null) return;
    const child = new Deno.Command(S3RVER_PATH, {
      args: ["-d", dir, "-a", "127.0.0.1", "-p", String(port), "-s", "--configure-bucket", bucket],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    server = child;
    stderr = new Response(child.stderr).text().catch(() => "");
    try {
      await waitUntilAnswering(endpoint, child);
    } catch (error) {
      server = null;
      signal(child.pid);
      await child.status;
      throw new Error(`${(error as Error).message}\n${await stderr}`);
    }
  };
  const stop = async () => {
    const running = server;
    if (running === null) return;
    server = null;
    signal(running.pid);
    await running.status;
    await stderr;
  };
  const dispose = async () => {
    await stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await start();
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return { endpoint, port, bucket, dir, stop, start, dispose, [Symbol.asyncDispose]: dispose };
}

async function waitUntilAnswering(endpoint: string, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  for (let attempt = 0; attempt < 400 && !exited; attempt++) {
    try {
      // Any HTTP answer (an unsigned request gets 403) means the server is up.
      const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`s3rver did not answer at ${endpoint}${exited ? " (it exited)" : ""}`);
}

function signal(pid: number): void {
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The object storage sink's configuration for `server`, path-style, JSON, as the tests use it. */
export function s3rverStorageConfig(
  server: RunningS3rver,
  overrides: Partial<ObjectStorageConfig> = {},
): ObjectStorageConfig {
  return {
    enabled: true,
    endpoint: server.endpoint,
    bucket: server.bucket,
    region: "us-east-1",
    access_key_id: S3RVER_ACCESS_KEY_ID,
    secret_access_key: new Secret(S3RVER_SECRET_ACCESS_KEY),
    prefix: "notifications",
    path_style: true,
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 5,
    ...overrides,
  };
}
