import assert from "node:assert/strict";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { api } from "../helpers/sim_api.ts";
import { type RunningSimulator, startSimulator } from "../../src/sim/server.ts";

const REF = "/v1/monitoring/registrations/SUBJ";

function fileForm(field: string, lines: string): FormData {
  const form = new FormData();
  form.append(field, new File([lines], "duns.txt", { type: "text/plain" }));
  return form;
}

function start(): Promise<RunningSimulator> {
  return startSimulator({ rateLimit: 0, registrations: [{ reference: "SUBJ", duns: [] }] });
}

const FAMILIES = [
  {
    family: "subjects",
    added: "Requested subjectID added to registration successfully.",
    removed: "Requested subjectID removed from registration successfully.",
  },
  {
    family: "duns",
    added: "Requested duns added to registration successfully.",
    removed: "Requested duns removed from registration  successfully.",
  },
];

for (const { family, added, removed } of FAMILIES) {
  Deno.test(`${family} family: add, duplicate, check, remove, remove again, check again`, async () => {
    const sim = await start();
    try {
      const path = `${REF}/${family}/081466849`;
      const add = await api(sim, path, { method: "POST" });
      assert.equal(add.status, 200);
      assert.deepEqual(add.body.information, { code: "21113", message: added });

      const duplicate = await api(sim, path, { method: "POST" });
      assert.equal(duplicate.status, 400);
      assert.equal(duplicate.headers.get("x-request-status"), "failure");
      assert.equal(duplicate.body.error.errorCode, "21012");
      assert.equal(
        duplicate.body.error.errorMessage,
        "The requested duns already exists in your registration profile",
      );

      const present = await api(sim, path);
      assert.equal(present.status, 200);
      assert.deepEqual(present.body.information, {
        code: "21110",
        message: "DUNS is available in registration",
      });

      const remove = await api(sim, path, { method: "DELETE" });
      assert.equal(remove.status, 200);
      assert.deepEqual(remove.body.information, { code: "21114", message: removed });

      const again = await api(sim, path, { method: "DELETE" });
      assert.equal(again.status, 404);
      assert.equal(again.body.error.errorCode, "10001");

      const absent = await api(sim, path);
      assert.equal(absent.status, 404);
      assert.equal(absent.body.error.errorCode, "10001");
    } finally {
      await sim.shutdown();
    }
  });
}

Deno.test("the legacy remove message really has two spaces", async () => {
  const sim = await start();
  try {
    await api(sim, `${REF}/duns/268909075`, { method: "POST" });
    const response = await fetch(`${sim.url}${REF}/duns/268909075`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${sim.state.tokens.issue(sim.state.now(), 60)}` },
    });
    const text = await response.text();
    assert.ok(text.includes('"Requested duns removed from registration  successfully."'), text);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("single add of an invalid DUNS is 400 00003", async () => {
  const sim = await start();
  try {
    for (const id of ["12345", "ABCDEFGHI", "0814668490"]) {
      const reply = await api(sim, `${REF}/subjects/${id}`, { method: "POST" });
      assert.equal(reply.status, 400, id);
      assert.equal(reply.body.error.errorCode, "00003", id);
      assert.ok(reply.body.error.errorDetails.length > 0);
    }
    assert.equal(sim.state.registrations.get("SUBJ")?.subjects.size, 0);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("batch add by file: 202 21108, invalid lines become exceptions", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const reply = await api(sim, `${REF}/subjects`, {
      method: "PATCH",
      body: fileForm("addSubjectIDs", "081466849\r\nNOT-A-DUNS\n268909075\n\n12345\n"),
    });
    assert.equal(reply.status, 202);
    assert.equal(reply.body.information.code, "21108");
    assert.equal(
      reply.body.information.message,
      "Request to append subjectIDs to registration accepted, processing pending.",
    );
    const view = await admin.registration("SUBJ");
    assert.deepEqual(view.subjects, ["081466849", "268909075"]);
    assert.deepEqual(view.exceptions, [
      { duns: "NOT-A-DUNS", code: "110110", information: "Invalid DUNS number" },
      { duns: "12345", code: "110110", information: "Invalid DUNS number" },
    ]);

    const removal = await api(sim, `${REF}/subjects`, {
      method: "PATCH",
      body: fileForm("removeSubjectIDs", "081466849\n"),
    });
    assert.equal(removal.status, 202);
    assert.equal(removal.body.information.code, "21108");
    assert.deepEqual((await admin.registration("SUBJ")).subjects, ["268909075"]);

    const empty = await api(sim, `${REF}/subjects`, { method: "PATCH", body: new FormData() });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.errorCode, "00003");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("legacy batch: PATCH duns/add and duns/remove with field duns answer 202", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const add = await api(sim, `${REF}/duns/add`, {
      method: "PATCH",
      body: fileForm("duns", "081466849\n268909075\n123\n"),
    });
    assert.equal(add.status, 202);
    assert.deepEqual((await admin.registration("SUBJ")).subjects, ["081466849", "268909075"]);
    const remove = await api(sim, `${REF}/duns/remove`, {
      method: "PATCH",
      body: fileForm("duns", "268909075\n"),
    });
    assert.equal(remove.status, 202);
    const view = await admin.registration("SUBJ");
    assert.deepEqual(view.subjects, ["081466849"]);
    assert.deepEqual(view.exceptions.map((e) => e.duns), ["123"]);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("batch removal drops queued notifications of the removed DUNS; single removal keeps them", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    seed: 1,
    registrations: [{ reference: "SUBJ", duns: ["081466849", "268909075"] }],
  });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("SUBJ", {
      notifications: [
        { type: "DELETE", organization: { duns: "081466849" }, elements: [] },
        { type: "DELETE", organization: { duns: "268909075" }, elements: [] },
      ],
    });
    await api(sim, `${REF}/duns/268909075`, { method: "DELETE" });
    assert.equal((await admin.registration("SUBJ")).queued, 2);
    await api(sim, `${REF}/subjects`, {
      method: "PATCH",
      body: fileForm("removeSubjectIDs", "081466849"),
    });
    const view = await admin.registration("SUBJ");
    assert.equal(view.queued, 1);
    assert.deepEqual(view.subjects, []);
  } finally {
    await sim.shutdown();
  }
});
