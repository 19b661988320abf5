import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Cli, withSimulatorCli } from "../helpers/cli.ts";
import { adminFetch } from "../helpers/sim_admin.ts";
import { latestAudit } from "../../src/pipeline/mod.ts";
import type { RunningSimulator } from "../../src/sim/server.ts";

const CLIENT = { clientId: "sync-test", clientSecret: "sync-secret-47d2" };
const REF = "SYNC_REG";
// Valid DUNS (9 digits); the simulator starts the registration with 081466849.
const A = ["268909075", "804735132", "150483782", "884114609", "006273905"];

async function subjects(sim: RunningSimulator): Promise<string[]> {
  const view = await (await adminFetch(sim, `/_sim/registrations/${REF}`)).json();
  return [...view.subjects].sort();
}

/** `registrations sync SYNC_REG …` */
function sync(cli: Cli, ...args: string[]) {
  return cli("registrations", "sync", REF, ...args);
}

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
}

Deno.test("registrations sync: a dry run shows the plan and changes nothing; applying adds the file's DUNS and records them", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir, sim) => {
    const file = `${dir}/suppliers.csv`;
    await Deno.writeTextFile(file, ["duns", ...A].join("\n"));
    const dry = await sync(cli, "--file", file, "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /sync plan for SYNC_REG \(current list: this service's record/);
    assert.match(dry.stdout, /^ {2}add {5}5 \(268909075, /m);
    assert.match(dry.stdout, /^ {2}remove {2}0$/m);
    assert.match(dry.stdout, /dry run: nothing changed/);
    assert.deepEqual(await subjects(sim), ["081466849"]);

    const applied = await sync(cli, "--file", file);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /synced SYNC_REG: 5 added, 0 removed/);
    await eventually(async () => (await subjects(sim)).length === 6);
    assert.deepEqual(await subjects(sim), ["081466849", ...A].sort());

    // The list loses one: only that one is removed (its presence checked with D&B first).
    await Deno.writeTextFile(file, ["duns", ...A.slice(1)].join("\n"));
    const shrink = await sync(
      cli,
      "--file",
      file,
      "--max-remove-percent",
      "50",
    );
    assert.equal(shrink.code, 0, shrink.stderr);
    assert.match(shrink.stdout, /^ {2}remove {2}1 \(268909075\)$/m);
    assert.match(shrink.stdout, /synced SYNC_REG: 0 added, 1 removed/);
    await eventually(async () => !(await subjects(sim)).includes(A[0]));
    assert.ok(!(await subjects(sim)).includes(A[0]));
    assert.ok((await subjects(sim)).includes("081466849"), "a DUNS added elsewhere is kept");

    // Every change is in the audit log that /status and the dashboard show, newest first.
    const kv = await Deno.openKv(`${dir}/state.kv`);
    try {
      const audit = await latestAudit(kv, { limit: 10 });
      assert.deepEqual(
        audit.map((entry) => [entry.action, entry.source, entry.duns.length, entry.outcome]),
        [["remove", "sync", 1, "ok"], ["add", "sync", 5, "ok"]],
      );
      assert.equal(audit[0].registration, REF);
    } finally {
      kv.close();
    }
  });
});

Deno.test("registrations sync: removing more than --max-remove-percent is refused (exit 1) unless --force; an export file is the current list", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir, sim) => {
    const exportFile = `${dir}/SYNC_REG_20261202000000_DunsExport_1.txt`;
    await Deno.writeTextFile(exportFile, ["081466849", ...A].join("\n"));
    await cli("registrations", "add", REF, ...A);
    const wanted = `${dir}/wanted.txt`;
    await Deno.writeTextFile(wanted, A[0]);
    const refused = await sync(
      cli,
      "--file",
      wanted,
      "--export-file",
      exportFile,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /current list: D&B's export .*DunsExport_1\.txt, 6 subjects/);
    assert.match(refused.stdout, /^ {2}remove {2}5 /m);
    assert.match(
      refused.stderr,
      /refused: the sync would remove 5 of 6 subjects of SYNC_REG \(83\.3 %\), more than the limit of 10 %/,
    );
    assert.equal((await subjects(sim)).length, 6, "nothing removed");

    const forced = await sync(
      cli,
      "--file",
      wanted,
      "--export-file",
      exportFile,
      "--force",
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /synced SYNC_REG: 0 added, 5 removed/);
    await eventually(async () => (await subjects(sim)).length === 1);
    assert.deepEqual(await subjects(sim), [A[0]]);
  });
});

Deno.test("registrations sync: an invalid line refuses the apply (its DUNS would be removed), a dry run still shows the plan", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir) => {
    const file = `${dir}/list.txt`;
    await Deno.writeTextFile(file, ["081466849", "12-34"].join("\n"));
    const dry = await sync(cli, "--file", file, "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}invalid 1 line\(s\), not used/m);
    assert.match(dry.stdout, /dry run: nothing changed; applying would be refused: 1 invalid line/);
    const result = await sync(cli, "--file", file);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /list\.txt:2: "12-34" is not a DUNS/);
    assert.match(result.stderr, /refused: 1 invalid line\(s\)/);
    const usage = await cli("registrations", "sync", REF);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /give the wanted list with --file or --from-sql/);
  });
});

Deno.test("registrations sync --from-sql: the wanted list from the customer's own table in the configured database; only a SELECT is accepted", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir, sim) => {
    const db = new DatabaseSync(`${dir}/traceone.db`);
    try {
      db.exec("CREATE TABLE suppliers (duns TEXT, active INTEGER)");
      const insert = db.prepare("INSERT INTO suppliers VALUES (?, ?)");
      insert.run("081466849", 1);
      insert.run(A[0], 1);
      insert.run(A[1], 0);
    } finally {
      db.close();
    }
    const query = "SELECT duns FROM suppliers WHERE active = 1";
    const result = await sync(cli, "--from-sql", query);
    assert.equal(result.code, 0, result.stderr);
    // 081466849 was put there by someone else: not in this service's record, so it is sent
    // again, which D&B takes as already present.
    assert.match(result.stdout, /synced SYNC_REG: 2 added, 0 removed/);
    await eventually(async () => (await subjects(sim)).includes(A[0]));
    assert.deepEqual(await subjects(sim), ["081466849", A[0]].sort());

    const write = await sync(cli, "--from-sql", "DELETE FROM suppliers");
    assert.equal(write.code, 1);
    assert.match(write.stderr, /--from-sql: give one SELECT statement/);
  });
});

Deno.test("registrations sync from the record: checking stops once the removal limit is passed (no thousands of check calls before a refusal)", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir, sim) => {
    const many = Array.from({ length: 20 }, (_, i) => String(100_000_000 + i));
    const all = `${dir}/all.txt`;
    await Deno.writeTextFile(all, many.join("\n"));
    assert.equal((await cli("registrations", "add", REF, "--file", all)).code, 0);
    const one = `${dir}/one.txt`;
    await Deno.writeTextFile(one, many[0]);
    const before = sim.state.counters.served;
    const refused = await sync(cli, "--file", one, "--dry-run");
    assert.equal(refused.code, 0, refused.stderr);
    assert.match(
      refused.stdout,
      /^ {2}remove {2}19 .*\(16 not checked with D&B: the removal limit was already passed\)$/m,
    );
    assert.match(refused.stdout, /applying would be refused: the sync would remove 19 of 20/);
    // The token, then 3 checks (10 % of 20 allows 2): far fewer than 19.
    assert.ok(
      sim.state.counters.served - before <= 5,
      `${sim.state.counters.served - before} calls`,
    );
  });
});

Deno.test("registrations sync --verify: a DUNS D&B dropped after it accepted it is added back; without it the record is trusted", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir, sim) => {
    const file = `${dir}/suppliers.txt`;
    await Deno.writeTextFile(file, A.slice(0, 3).join("\n"));
    const applied = await sync(cli, "--file", file);
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(async () => (await subjects(sim)).length === 4);
    // D&B drops one on its side (an exceptions-file rejection, an EXIT): the record still has it.
    sim.state.registrations.get(REF)!.subjects.delete(A[1]);

    const trusting = await sync(cli, "--file", file, "--dry-run");
    assert.match(trusting.stdout, /^ {2}add {5}0$/m);
    const verifyDry = await sync(
      cli,
      "--file",
      file,
      "--verify",
      "--dry-run",
    );
    assert.equal(verifyDry.code, 0, verifyDry.stderr);
    assert.match(
      verifyDry.stdout,
      /^ {2}add {5}1 \(804735132\) \(1 recorded but no longer at D&B\)$/m,
    );
    assert.match(verifyDry.stdout, /^ {2}keep {4}2$/m);

    const verified = await sync(cli, "--file", file, "--verify");
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /synced SYNC_REG: 1 added, 0 removed/);
    await eventually(async () => (await subjects(sim)).includes(A[1]));
    assert.deepEqual(await subjects(sim), ["081466849", ...A.slice(0, 3)].sort());
  });
});

Deno.test("registrations sync removes with the verified one-DUNS DELETE, never the batch call whose field is unknown", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir, sim) => {
    await cli("registrations", "add", REF, ...A);
    const file = `${dir}/wanted.txt`;
    await Deno.writeTextFile(file, A.slice(2).join("\n"));
    const before = sim.state.counters.served;
    const synced = await sync(cli, "--file", file, "--force");
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /synced SYNC_REG: 0 added, 2 removed/);
    // Done when the command returns: each removal was its own synchronous call.
    assert.deepEqual(await subjects(sim), ["081466849", ...A.slice(2)].sort());
    // Two checks, two DELETEs, and the token call at most.
    assert.ok(sim.state.counters.served - before <= 5, `${sim.state.counters.served - before}`);
  });
});

Deno.test("registrations sync --verify with --export-file is a usage error: the export is D&B's list already", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir) => {
    const file = `${dir}/wanted.txt`;
    await Deno.writeTextFile(file, A[0]);
    const result = await sync(
      cli,
      "--file",
      file,
      "--export-file",
      file,
      "--verify",
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--verify checks this service's record/);
  });
});

Deno.test("registrations sync: a split export is given part by part; an invalid line in it is said, not used", async () => {
  await withSimulatorCli({ reference: REF, ...CLIENT }, async (cli, dir) => {
    const part1 = `${dir}/SYNC_REG_20261202000000_DunsExport_1.txt`;
    const part2 = `${dir}/SYNC_REG_20261202000000_DunsExport_2.txt`;
    await Deno.writeTextFile(part1, ["081466849", ...A.slice(0, 2)].join("\n"));
    await Deno.writeTextFile(part2, [...A.slice(2), "12-34"].join("\n"));
    const wanted = `${dir}/wanted.txt`;
    await Deno.writeTextFile(wanted, ["081466849", ...A].join("\n"));
    const dry = await sync(
      cli,
      "--file",
      wanted,
      "--export-file",
      part1,
      "--export-file",
      part2,
      "--dry-run",
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /DunsExport_1\.txt, .*DunsExport_2\.txt, 6 subjects/);
    assert.match(dry.stdout, /^ {2}add {5}0$/m);
    assert.match(dry.stdout, /^ {2}keep {4}6$/m);
    assert.match(dry.stderr, /DunsExport_2\.txt:4: "12-34" is not a DUNS, not used/);
  });
});
