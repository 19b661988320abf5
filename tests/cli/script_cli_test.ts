/**
 * The CLI as a script relies on it (issue 10): typos exit non-zero and say what is valid, option
 * values are checked before any I/O, read commands speak JSON, dead letters can be discarded,
 * progress stays off stdout, and Ctrl-C in a bulk operation says what was done.
 */
import assert from "node:assert/strict";
import { spawnMain, withSimulatorCli, writeSimulatorClientConfig } from "../helpers/cli.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { type AdminAccess, adminFetch } from "../helpers/sim_admin.ts";

const CLIENT = { clientId: "cli-script", clientSecret: "cli-script-secret" };
const REF = "SCRIPT_REG";

function withCli(work: Parameters<typeof withSimulatorCli>[1]): Promise<void> {
  return withSimulatorCli({ reference: REF, ...CLIENT }, work);
}

async function enqueue(sim: AdminAccess, body: unknown): Promise<void> {
  const response = await adminFetch(sim, `/_sim/registrations/${REF}/notifications`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await response.body?.cancel();
}

const BROKEN = `{"type":"UPDATE","organization":{"duns":"1"},"deliveryTimeStamp":"x"}`;

Deno.test("typos and bad values exit 2 before any I/O, naming what is valid", async () => {
  await withCli(async (cli, _dir, sim) => {
    await enqueue(sim, { generate: 3, types: ["UPDATE"] });
    await enqueue(sim, { raw: [BROKEN] });
    assert.equal((await cli("pull", REF)).code, 0);

    const sink = await cli("deadletters", "list", "--sink", "nope");
    assert.equal(sink.code, 2, sink.stdout);
    assert.match(sink.stderr, /no sink named "nope"; the sinks are: validation, local_storage/);

    const letter = await cli("deadletters", "show", "ffff0000");
    assert.equal(letter.code, 2);
    assert.match(
      letter.stderr,
      /no dead letter matches "ffff0000"; some there are:\n\s+validation\//,
    );

    const limit = await cli("notifications", "recent", "--limit", "abc");
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--limit must be a whole number of 1 or more, got "abc"/);
    assert.doesNotMatch(limit.stderr, /datatype mismatch|at .*\.ts:\d+/);

    const none = await cli("notifications", "history", "000000001");
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no notifications stored for DUNS 000000001 \(3 stored in all\)/);

    const typo = await cli("deadleters", "list");
    assert.notEqual(typo.code, 0);
  });
});

Deno.test("read commands speak JSON; a dead letter can be discarded, one or all with --yes", async () => {
  await withCli(async (cli, _dir, sim) => {
    await enqueue(sim, { generate: 2, types: ["UPDATE"] });
    await enqueue(sim, { raw: [BROKEN, BROKEN.replace('"1"', '"2"')] });
    assert.equal((await cli("pull", REF)).code, 0);

    const list = await cli("deadletters", "list", "--json");
    const letters = JSON.parse(list.stdout) as { key: string; sink: string }[];
    assert.equal(letters.length, 2);
    assert.ok(letters.every((l) => l.sink === "validation"));
    const shown = JSON.parse((await cli("deadletters", "show", letters[0].key, "--json")).stdout);
    assert.match(shown.raw, /"deliveryTimeStamp":"x"/);
    assert.equal(JSON.parse((await cli("registrations", "list", "--json")).stdout)[0], REF);
    const recent = JSON.parse((await cli("notifications", "recent", "--json")).stdout);
    assert.equal(
      new Set(recent.map((r: { notification_id: string }) => r.notification_id)).size,
      2,
    );
    assert.equal(JSON.parse((await cli("db", "status", "--json")).stdout).dialect, "sqlite");

    const one = await cli("deadletters", "discard", letters[0].key);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /discarded/);
    const unconfirmed = await cli("deadletters", "discard", "--sink", "validation", "--all");
    assert.equal(unconfirmed.code, 2);
    assert.match(
      unconfirmed.stderr,
      /removes 1 dead letter\(s\) of validation for good; add --yes/,
    );
    const all = await cli("deadletters", "discard", "--sink", "validation", "--all", "--yes");
    assert.equal(all.code, 0, all.stderr);
    assert.equal(JSON.parse((await cli("deadletters", "list", "--json")).stdout).length, 0);
  });
});

Deno.test("replay's progress never reaches stdout", async () => {
  await withCli(async (cli, _dir, sim) => {
    await enqueue(sim, { generate: 40, types: ["UPDATE"] });
    assert.equal((await cli("pull", REF)).code, 0);
    const replayed = await cli("replay", REF, "--since", "1h");
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.doesNotMatch(replayed.stdout, /\r/);
    assert.match(replayed.stdout, /40 received/);
  });
});

Deno.test("Ctrl-C during registrations add --one-by-one says how far it got and that re-running is safe", async () => {
  // A slow D&B (200 ms a request) so the command is mid-way when interrupted.
  const sim = await startSimulator({
    ...CLIENT,
    rateLimit: 0,
    registrations: [{ reference: REF, duns: ["081466849"] }],
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-interrupt-" });
  try {
    await adminFetch(sim, "/_sim/faults", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latencyMs: 200 }),
    }).then((r) => r.body?.cancel());
    const config = await writeSimulatorClientConfig(dir, { simulatorUrl: sim.url, ...CLIENT });
    const duns = Array.from({ length: 200 }, (_, i) => String(100_000_000 + i * 7)).join("\n");
    await Deno.writeTextFile(`${dir}/duns.txt`, duns + "\n");
    const child = spawnMain([
      "registrations",
      "add",
      REF,
      "--file",
      `${dir}/duns.txt`,
      "--one-by-one",
      "--config",
      config,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const output = await child.output();
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 130, stderr);
    const match = /interrupted: (\d+) of 200 DUNS added; re-running the same command is safe/
      .exec(stderr);
    assert.ok(match, stderr);
    assert.ok(Number(match[1]) > 0 && Number(match[1]) < 200, match[0]);
    const view = await adminFetch(sim, `/_sim/registrations/${REF}`).then((r) => r.json());
    // What it said it added is what D&B has, besides the one it started with: nothing unsaid.
    assert.equal(view.subjects.length, Number(match[1]) + 1);
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
