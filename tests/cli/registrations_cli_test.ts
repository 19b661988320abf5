import assert from "node:assert/strict";
import { withSimulatorCli } from "../helpers/cli.ts";
import { adminFetch } from "../helpers/sim_admin.ts";

const CLIENT = { clientId: "cli-test", clientSecret: "cli-secret-91c3" };

function withCli(work: Parameters<typeof withSimulatorCli>[1]): Promise<void> {
  return withSimulatorCli({ reference: "CLI_REG", ...CLIENT }, work);
}

Deno.test("registrations list, show, check, add and remove from the command line", async () => {
  await withCli(async (cli) => {
    const list = await cli("registrations", "list");
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim(), "CLI_REG");

    const show = await cli("registrations", "show", "CLI_REG");
    assert.match(show.stdout, /reference\s+CLI_REG/);
    assert.match(show.stdout, /delivery\s+API_PULL/);

    const add = await cli("registrations", "add", "CLI_REG", "268909075", "081466849");
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /268909075: added/);
    assert.match(add.stdout, /081466849: already present/);

    const present = await cli("registrations", "check", "CLI_REG", "26-890-9075");
    assert.equal(present.code, 0);
    assert.match(present.stdout, /268909075 is in CLI_REG/);

    const remove = await cli("registrations", "remove", "CLI_REG", "268909075");
    assert.match(remove.stdout, /268909075: removed/);
    const absent = await cli("registrations", "check", "CLI_REG", "268909075");
    assert.equal(absent.code, 1);
    assert.match(absent.stdout, /268909075 is not in CLI_REG/);
  });
});

Deno.test("add --file: a CSV with a header; invalid lines are listed, valid ones sent", async () => {
  await withCli(async (cli, dir, sim) => {
    const file = `${dir}/duns.csv`;
    const rows = ["name,duns", "Gorman,081466849", "Short,81466849", "Acme,268909075", "Bad,ABC"];
    await Deno.writeTextFile(file, rows.join("\n"));
    const add = await cli("registrations", "add", "CLI_REG", "--file", file);
    assert.equal(add.code, 1, "invalid lines make the command report failure");
    assert.match(add.stderr, /duns\.csv:3: "Short,81466849" is not a DUNS: 8 digits/);
    assert.match(add.stderr, /duns\.csv:5: "Bad,ABC" is not a DUNS/);
    assert.match(add.stdout, /add: 2 DUNS sent to CLI_REG \(21108 /);
    const view = await (await adminFetch(sim, "/_sim/registrations/CLI_REG")).json();
    for (let i = 0; i < 50 && !view.subjects.includes("268909075"); i++) {
      await new Promise((r) => setTimeout(r, 20));
      Object.assign(view, await (await adminFetch(sim, "/_sim/registrations/CLI_REG")).json());
    }
    assert.ok(view.subjects.includes("268909075"));
  });
});

Deno.test("a DUNS typed wrong inline is refused before anything is sent (exit 2)", async () => {
  await withCli(async (cli) => {
    const result = await cli("registrations", "add", "CLI_REG", "12345");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"12345" is not a DUNS: 5 digits/);
  });
});

Deno.test("registrations create --file, suppress and unsuppress", async () => {
  await withCli(async (cli, dir) => {
    const spec = `${dir}/reg.yaml`;
    await Deno.writeTextFile(
      spec,
      'reference: NEW_REG\nproductId: cmpelk\nversionId: v2\nemail: [ops@acme.test]\nduns: ["081466849"]\n',
    );
    const created = await cli("registrations", "create", "--file", spec);
    assert.equal(created.code, 0, created.stderr);
    assert.match((await cli("registrations", "list")).stdout, /NEW_REG/);
    assert.equal((await cli("registrations", "suppress", "NEW_REG")).code, 0);
    assert.match((await cli("registrations", "show", "NEW_REG")).stdout, /suppressed\s+true/);
    assert.equal((await cli("registrations", "unsuppress", "NEW_REG")).code, 0);
    assert.match((await cli("registrations", "show", "NEW_REG")).stdout, /suppressed\s+false/);
  });
});

Deno.test("a D&B error is one clear line with D&B's code, exit 1, no stack, no secret", async () => {
  await withCli(async (cli) => {
    const result = await cli("registrations", "show", "NOT_THERE");
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error: D&B GET \/v1\/monitoring\/registrations\/NOT_THERE answered 404/m,
    );
    assert.doesNotMatch(result.stderr, /\s{4}at |cli-secret-91c3/);
  });
});

/** What a terminal acts on: C0 but tab and LF, DEL, C1, a bidi override. */
// deno-lint-ignore no-control-regex
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;

Deno.test("a reference with terminal control characters is printed as escapes, never raw", async () => {
  const hostile = "EVIL\x1b[2J\x1b]0;pwned\x07\u202eREF";
  await withSimulatorCli({ reference: hostile, ...CLIENT }, async (cli) => {
    const list = await cli("registrations", "list");
    assert.equal(list.code, 0, list.stderr);
    assert.ok(!ACTIVE.test(list.stdout), JSON.stringify(list.stdout));
    assert.equal(list.stdout.trim(), "EVIL\\u001b[2J\\u001b]0;pwned\\u0007\\u202eREF");
  });
});
