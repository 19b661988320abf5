import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { parseSince } from "../../src/cli/pipeline_commands.ts";
import { withSimulatorCli } from "../helpers/cli.ts";
import { type AdminAccess, adminFetch } from "../helpers/sim_admin.ts";

const CLIENT = { clientId: "cli-pipe", clientSecret: "cli-pipe-secret" };
const REF = "PIPE_REG";

function withCli(work: Parameters<typeof withSimulatorCli>[1]): Promise<void> {
  return withSimulatorCli({ reference: REF, ...CLIENT }, work);
}

function enqueue(sim: AdminAccess, body: unknown) {
  return adminFetch(sim, `/_sim/registrations/${REF}/notifications`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then((r) => r.text());
}

async function storedFileIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) ids.push(...await storedFileIds(path));
    else {ids.push(
        ...JSON.parse(await Deno.readTextFile(path)).notifications.map((n: { id: string }) => n.id),
      );}
  }
  return ids;
}

function sqliteCount(dir: string): number {
  const db = new DatabaseSync(`${dir}/traceone.db`);
  try {
    return (db.prepare("SELECT count(*) AS n FROM notifications").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

Deno.test("pull: one drain into the journal, local files and SQLite, with counts", async () => {
  await withCli(async (cli, dir, sim) => {
    await enqueue(sim, { generate: 130, types: ["UPDATE", "DELETE", "SEED"] });
    const pulled = await cli("pull", REF);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(
      pulled.stdout,
      /PIPE_REG: drained; 3 pull request\(s\), 130 received, 130 journaled, 0 duplicate\(s\), 0 dead-lettered/,
    );
    assert.match(pulled.stdout, /local_storage: current/);
    assert.match(pulled.stdout, /database_storage: current/);
    assert.equal(sqliteCount(dir), 130);
    const again = await cli("pull", REF);
    assert.match(again.stdout, /1 pull request\(s\), 0 received/);

    const recent = await cli("notifications", "recent", "--limit", "3");
    assert.equal(recent.code, 0, recent.stderr);
    const headers = recent.stdout.split("\n").filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
    assert.equal(headers.length, 3);
    assert.match(headers[0], /\b081466849 {2}PIPE_REG$/);
    const history = await cli("notifications", "history", "081466849");
    assert.match(history.stdout, /UPDATE {7}081466849/);
    assert.match(
      history.stdout,
      /^ {4}organization\.\S+: .+ → .+$/m,
      "previous → current per element",
    );
  });
});

Deno.test("replay --since: re-fetches, journals nothing twice, and reports", async () => {
  await withCli(async (cli, dir, sim) => {
    await enqueue(sim, { generate: 40 });
    await cli("pull", REF);
    const replay = await cli("replay", REF, "--since", "1h");
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed since .* \(operator\): 40 received, 0 journaled/);
    assert.equal(sqliteCount(dir), 40);
    const bad = await cli("replay", REF, "--since", "yesterday");
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--since: expected an ISO time or an age like 3d, 12h, 30m; got "yesterday"/,
    );
  });
});

Deno.test("deadletters list, show and retry", async () => {
  await withCli(async (cli, dir, sim) => {
    const broken =
      '{"type":"UPDATE","organization":{"duns":"81466849"},"elements":[],"deliveryTimeStamp":"2026-11-27T09:00:00.000Z"}';
    await enqueue(sim, { raw: [broken] });
    await enqueue(sim, { generate: 2 });
    const pulled = await cli("pull", REF);
    assert.match(pulled.stdout, /3 received, 2 journaled, 0 duplicate\(s\), 1 dead-lettered/);
    // The malformed one cost its batch nothing: the other two are in both sinks.
    assert.equal(sqliteCount(dir), 2);
    const stored = await storedFileIds(`${dir}/notifications`);
    assert.equal(stored.length, 2);

    const list = await cli("deadletters", "list");
    const key = /^(validation\/[0-9a-f]{32})/m.exec(list.stdout)?.[1];
    assert.ok(key, list.stdout);
    assert.match(list.stdout, /organization\.duns: expected a 9-digit string/);

    const show = await cli(
      "deadletters",
      "show",
      key.slice("validation/".length, "validation/".length + 8),
    );
    assert.equal(show.code, 0, show.stderr);
    assert.ok(show.stdout.includes(broken), "the raw JSON as received");

    const retry = await cli("deadletters", "retry", key);
    assert.equal(retry.code, 1);
    assert.match(retry.stdout, /still invalid: organization\.duns/);
    const none = await cli("deadletters", "show", "ffff");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no dead letter matches "ffff"/);
  });
});

Deno.test("--since reads ISO times and ages", () => {
  const now = Date.parse("2026-11-27T12:00:00Z");
  assert.equal(parseSince("3d", now).toISOString(), "2026-11-24T12:00:00.000Z");
  assert.equal(parseSince("90m", now).toISOString(), "2026-11-27T10:30:00.000Z");
  assert.equal(parseSince("2026-11-20T08:00:00Z", now).toISOString(), "2026-11-20T08:00:00.000Z");
});

Deno.test("pull and replay of a registration D&B does not know exit 1 and name it", async () => {
  await withCli(async (cli) => {
    const pulled = await cli("pull", "NOPE");
    assert.equal(pulled.code, 1, pulled.stdout);
    assert.doesNotMatch(pulled.stdout, /drained/);
    assert.match(pulled.stderr, /registration "NOPE" not found: D&B answered 404 21901/);
    const replayed = await cli("replay", "NOPE", "--since", "1h");
    assert.equal(replayed.code, 1, replayed.stdout);
    assert.match(replayed.stderr, /registration "NOPE" not found/);
    assert.doesNotMatch(replayed.stderr, /at .*\.ts:\d+/, "no stack trace");
  });
});

const POISONS = {
  "6,000 levels deep": {
    raw: (stamp: string) =>
      `{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[],` +
      `"deliveryTimeStamp":"${stamp}","x":${"[".repeat(6000)}${"]".repeat(6000)}}`,
    reason: /validation.*nested 6001 levels deep/,
  },
  "of 1.5 MB": {
    raw: (stamp: string) =>
      `{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[],` +
      `"deliveryTimeStamp":"${stamp}","x":"${"x".repeat(1_500_000)}"}`,
    reason: /validation.*1500\d{3} bytes, more than the 1048576/,
  },
  "that is not JSON": {
    raw: (stamp: string) =>
      `{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[],` +
      `"deliveryTimeStamp":"${stamp}","score":NaN}`,
    reason: /validation.*not JSON/,
  },
};

for (const [what, poison] of Object.entries(POISONS)) {
  Deno.test(`a poison notification ${what} is dead-lettered while its 99 page-mates reach every sink`, async () => {
    await withCli(async (cli, dir, sim) => {
      await enqueue(sim, { generate: 50, types: ["UPDATE"] });
      await enqueue(sim, { raw: [poison.raw(new Date().toISOString())] });
      await enqueue(sim, { generate: 49, types: ["UPDATE"] });
      const pulled = await cli("pull", REF);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stdout, /100 received, 99 journaled, 0 duplicate\(s\), 1 dead-lettered/);
      assert.equal(sqliteCount(dir), 99);
      assert.equal((await storedFileIds(`${dir}/notifications`)).length, 99);
      const letters = await cli("deadletters", "list");
      assert.match(letters.stdout, poison.reason);
      // Its raw bytes are kept whole.
      const id = /([0-9a-f]{32})/.exec(letters.stdout)![1];
      const shown = await cli("deadletters", "show", id);
      assert.ok(shown.stdout.includes(poison.raw("").slice(0, 60)), shown.stdout.slice(0, 200));
      // The registration keeps going.
      await enqueue(sim, { generate: 5, types: ["DELETE"] });
      const next = await cli("pull", REF);
      assert.match(next.stdout, /5 received, 5 journaled/);
      assert.equal(sqliteCount(dir), 104);
    });
  });
}

Deno.test("a pull answer that is not UTF-8 (a gateway re-encoding to ISO-8859-1): the notification it garbled is dead-lettered, its page-mates are stored", async () => {
  await withCli(async (cli, dir, sim) => {
    await enqueue(sim, { generate: 20, types: ["UPDATE"] });
    const stamp = new Date().toISOString();
    await enqueue(sim, {
      raw: [
        `{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[{"element":` +
        `"organization.primaryName","previous":"Societe Generale","current":"Société Générale"}],` +
        `"deliveryTimeStamp":"${stamp}"}`,
      ],
    });
    await enqueue(sim, { generate: 19, types: ["UPDATE"] });
    await adminFetch(sim, "/_sim/faults", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latin1Next: 1 }),
    }).then((response) => response.body?.cancel());
    const pulled = await cli("pull", REF);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /40 received, 39 journaled, 0 duplicate\(s\), 1 dead-lettered/);
    assert.equal(sqliteCount(dir), 39);
    const letters = await cli("deadletters", "list");
    assert.match(letters.stdout, /not valid UTF-8/);
    // Nothing stored holds the replacement character as if D&B had written it.
    const db = new DatabaseSync(`${dir}/traceone.db`, { readOnly: true });
    try {
      const garbled = db.prepare("SELECT count(*) AS n FROM notifications WHERE raw_json LIKE ?")
        .get("%\uFFFD%") as { n: number };
      assert.equal(garbled.n, 0);
    } finally {
      db.close();
    }
  });
});
