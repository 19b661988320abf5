import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { openRuntime, simulatorAdminTokenPath } from "../../src/cli/runtime.ts";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import {
  readAdminTokenFile,
  removeAdminTokenFile,
  writeAdminTokenFile,
} from "../../src/sim/admin_token_file.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { localDataLines, runMain } from "../helpers/cli.ts";

const POSIX = Deno.build.os !== "windows";

async function withDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone-simtoken-" });
  try {
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A demo configuration, as `start` runs it, with the simulator on a fixed port. */
async function writeDemoConfig(dir: string, port: number): Promise<string> {
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    path,
    [
      "environment: development",
      ...localDataLines(dir),
      "http:",
      "  enabled: false",
      "simulator:",
      "  enabled: true",
      `  port: ${port}`,
      "  initial_backlog: 0",
      "  notifications_per_minute: 0",
      "  registrations:",
      "    - reference: DEMO_REG",
      '      duns: ["081466849"]',
    ].join("\n") + "\n",
  );
  return path;
}

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

Deno.test("token file: written owner-only, a stale one replaced, removed only when it is ours", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/simulator_admin.token`;
    assert.equal(await readAdminTokenFile(path), null);
    await Deno.writeTextFile(path, "stale-token\n", { mode: 0o644 });
    if (POSIX) await Deno.chmod(path, 0o644);
    await writeAdminTokenFile(path, "fresh-token");
    assert.equal(await readAdminTokenFile(path), "fresh-token");
    if (POSIX) assert.equal(await mode(path), 0o600);
    await removeAdminTokenFile(path, "someone-elses");
    assert.equal(await readAdminTokenFile(path), "fresh-token");
    await removeAdminTokenFile(path, "fresh-token");
    assert.equal(await readAdminTokenFile(path), null);
    await removeAdminTokenFile(path, "fresh-token");
  });
});

Deno.test("the in-process demo on a fixed port writes its token file 0600 and removes it on close", async () => {
  await withDir(async (dir) => {
    const config = await loadConfig(await writeDemoConfig(dir, freePort()));
    const tokenPath = simulatorAdminTokenPath(config)!;
    assert.equal(tokenPath, `${dir}/simulator_admin.token`);
    const runtime = await openRuntime(config);
    try {
      assert.equal(runtime.simulator, "in_process");
      if (POSIX) assert.equal(await mode(tokenPath), 0o600);
      const token = await readAdminTokenFile(tokenPath);
      assert.match(token ?? "", /^[0-9a-f]{64}$/);
      const admin = new SimulatorAdmin(runtime.dnbUrl, { token: token! });
      assert.equal((await admin.registration("DEMO_REG")).reference, "DEMO_REG");
    } finally {
      await runtime.close();
    }
    assert.equal(await readAdminTokenFile(tokenPath), null);
  });
});

Deno.test("on a free port (0) the in-process simulator writes no token file", async () => {
  await withDir(async (dir) => {
    const config = await loadConfig(await writeDemoConfig(dir, 0));
    const runtime = await openRuntime(config);
    try {
      assert.equal(runtime.simulator, "in_process");
      assert.equal(await readAdminTokenFile(simulatorAdminTokenPath(config)!), null);
    } finally {
      await runtime.close();
    }
  });
});

Deno.test("a CLI command run beside a running start shares its simulator through the token file", async () => {
  await withDir(async (dir) => {
    const path = await writeDemoConfig(dir, freePort());
    const config = await loadConfig(path);
    const service = await openRuntime(config);
    try {
      assert.equal(service.simulator, "in_process");
      const token = (await readAdminTokenFile(simulatorAdminTokenPath(config)!))!;
      // Only the service's simulator has this one: a command that lists it shares that simulator.
      await new SimulatorAdmin(service.dnbUrl, { token }).createRegistration({
        reference: "ADDED_TO_THE_RUNNING_ONE",
      });
      const listed = await runMain(["registrations", "list", "--config", path]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(listed.stdout.trim().split("\n").sort(), [
        "ADDED_TO_THE_RUNNING_ONE",
        "DEMO_REG",
      ]);
      // In this process too; a sharer leaves the token file to its owner.
      const command = await openRuntime(config);
      assert.equal(command.simulator, "shared");
      assert.equal(command.dnbUrl, service.dnbUrl);
      await command.close();
      assert.equal(await readAdminTokenFile(simulatorAdminTokenPath(config)!), token);
    } finally {
      await service.close();
    }
  });
});

Deno.test("a simulator that does not take the file's token is not shared", async () => {
  await withDir(async (dir) => {
    const port = freePort();
    const config = await loadConfig(await writeDemoConfig(dir, port));
    // Another program's simulator on the port (a `simulate` with a token of its own).
    const other = await startSimulator({ port, rateLimit: 0 });
    try {
      await writeAdminTokenFile(simulatorAdminTokenPath(config)!, "left-by-a-dead-run");
      await assert.rejects(openRuntime(config), Deno.errors.AddrInUse);
      await Deno.remove(simulatorAdminTokenPath(config)!);
      // No file at all: not shared either, even though the port answers.
      await assert.rejects(openRuntime(config), Deno.errors.AddrInUse);
    } finally {
      await other.shutdown();
    }
  });
});
