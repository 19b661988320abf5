import assert from "node:assert/strict";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { api, type Json } from "../helpers/sim_api.ts";
import { createSimulatorApp } from "../../src/sim/app.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { SimulatorState } from "../../src/sim/state.ts";

const BASE = "/v1/monitoring/registrations";

function createForm(fields: Record<string, string>, duns?: string): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (duns !== undefined) form.append("duns", new File([duns], "duns.txt"));
  return form;
}

Deno.test("get registration: the recorded §2.2 shape and its quirks", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    now: () => Date.parse("2021-01-27T11:52:18.250Z"),
  });
  try {
    const created = await api(sim, BASE, {
      method: "POST",
      body: createForm({
        reference: "MDOJO_CMPTCS_01",
        description: "Market Dojo Jan 21 CMPTCS",
        productId: "cmptcs",
        versionId: "v1",
        notificationType: "UPDATE",
        deliveryFrequency: "DAILY",
        deliveryTrigger: "API_PULL",
        destinationType: "STP",
        email: "admin@acme.com,info@acme.com",
        seedData: "True",
        fileTransferProfile: "ukcclass",
      }, "081466849\n268909075\n"),
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.information.code, "21905");
    assert.match(created.body.transactionDetail.transactionID, /^rrt-/);

    const reply = await api(sim, `${BASE}/MDOJO_CMPTCS_01`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("x-request-status"), null);
    assert.deepEqual(reply.body.inquiryDetail, { reference: "MDOJO_CMPTCS_01" });
    assert.deepEqual(reply.body.messages, {
      notificationsSuppressed: false,
      registration: {
        reference: "MDOJO_CMPTCS_01",
        destination: { type: "STP" },
        productId: "cmptcs",
        versionId: "v1",
        email: "admin@acme.com,info@acme.com",
        seedData: true,
        fileTransferProfile: "ukcclass",
        description: "Market Dojo Jan 21 CMPTCS",
        createdDate: "2021-01-27 11:52:18",
        lastUpdatedDate: "2021-01-27T11:52:18Z",
        thresholds: [],
        orderReason: "6332",
        deliveryTrigger: "API_PULL",
        deliveryFrequency: "DAILY",
        notificationType: "UPDATE",
      },
      state: "CURRENT",
    });
    // seedData: each initial DUNS is seeded.
    const view = await new SimulatorAdmin(sim.url, { token: sim.adminToken }).registration(
      "MDOJO_CMPTCS_01",
    );
    assert.deepEqual(view.subjects, ["081466849", "268909075"]);
    assert.equal(view.queued, 2);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("create: duplicate reference, bad enum, missing reference, not multipart", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  try {
    const first = await api(sim, BASE, { method: "POST", body: createForm({ reference: "R1" }) });
    assert.equal(first.status, 200);
    const again = await api(sim, BASE, { method: "POST", body: createForm({ reference: "R1" }) });
    assert.equal(again.status, 400);
    assert.equal(again.headers.get("x-request-status"), "failure");
    assert.equal(again.body.error.errorCode, "21904");

    const badEnum = await api(sim, BASE, {
      method: "POST",
      body: createForm({ reference: "R2", deliveryTrigger: "FTP_PUSH" }),
    });
    assert.equal(badEnum.status, 400);
    assert.equal(badEnum.body.error.errorCode, "00003");
    assert.equal(badEnum.body.error.errorDetails[0].parameter, "deliveryTrigger");

    const noRef = await api(sim, BASE, { method: "POST", body: createForm({ description: "x" }) });
    assert.equal(noRef.body.error.errorCode, "00003");

    const json = await api(sim, BASE, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ registrationReference: "R3" }),
    });
    assert.equal(json.status, 400);
    assert.equal(json.body.error.errorCode, "00008");

    const listed = await api(sim, BASE);
    assert.deepEqual(listed.body.messages.references, ["R1"]);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("edit: email and description only; other fields are 00003 with errorDetails", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    registrations: [{ reference: "EDIT", duns: [] }],
  });
  try {
    const patch = (body: unknown) =>
      api(sim, `${BASE}/EDIT`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ok = await patch({ email: "a@x.com, b@x.com", description: "new" });
    assert.equal(ok.status, 200);
    assert.ok(ok.body.information.code);
    const got = await api(sim, `${BASE}/EDIT`);
    assert.equal(got.body.messages.registration.email, "a@x.com,b@x.com");
    assert.equal(got.body.messages.registration.description, "new");

    const refused = await patch({ productId: "cmptcs", email: "c@x.com" });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.errorCode, "00003");
    assert.deepEqual(refused.body.error.errorDetails.map((d: Json) => d.parameter), ["productId"]);
    const unchanged = await api(sim, `${BASE}/EDIT`);
    assert.equal(unchanged.body.messages.registration.email, "a@x.com,b@x.com");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("delete, then every path on it is 404 with the simulated code", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    registrations: [{ reference: "GONE", duns: ["081466849"] }],
  });
  try {
    const deleted = await api(sim, `${BASE}/GONE`, { method: "DELETE" });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.information.code, "21907");
    for (const path of ["", "/notifications", "/subjects/081466849"]) {
      const reply = await api(sim, `${BASE}/GONE${path}`);
      assert.equal(reply.status, 404, path);
      assert.equal(reply.body.error.errorCode, "21901", path);
    }
  } finally {
    await sim.shutdown();
  }
});

Deno.test("suppress (PATCH and POST) and unsuppress (DELETE) flip notificationsSuppressed", async () => {
  const sim = await startSimulator({ rateLimit: 0, registrations: [{ reference: "S", duns: [] }] });
  try {
    for (const method of ["PATCH", "POST"]) {
      const on = await api(sim, `${BASE}/S/suppress`, { method });
      assert.equal(on.status, 200);
      assert.equal(on.body.information.code, "21908");
      assert.equal((await api(sim, `${BASE}/S`)).body.messages.notificationsSuppressed, true);
      const off = await api(sim, `${BASE}/S/suppress`, { method: "DELETE" });
      assert.equal(off.body.information.code, "21909");
      assert.equal((await api(sim, `${BASE}/S`)).body.messages.notificationsSuppressed, false);
    }
  } finally {
    await sim.shutdown();
  }
});

Deno.test("export requests in both families answer 202 and are recorded", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    registrations: [{ reference: "EXP", duns: ["081466849"] }],
  });
  try {
    const a = await api(sim, `${BASE}/export/EXP/subjects`, { method: "POST" });
    const b = await api(sim, `${BASE}/export/EXP/duns`);
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    assert.equal(a.body.information.code, "21910");
    const view = await new SimulatorAdmin(sim.url, { token: sim.adminToken }).registration("EXP");
    assert.deepEqual(view.exports.map((e) => [e.kind, e.subjectCount]), [
      ["subjects", 1],
      ["duns", 1],
    ]);
    const missing = await api(sim, `${BASE}/export/NOPE/duns`);
    assert.equal(missing.status, 404);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("routing without a server: unknown path 00037, errors carry failure headers", async () => {
  const state = new SimulatorState({ rateLimit: 0 });
  const app = createSimulatorApp(state);
  const token = state.tokens.issue(state.now(), 60);
  const response = await app.request("/v1/monitoring/nothing-here", {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("x-request-status"), "failure");
  const body = await response.json();
  assert.equal(body.error.errorCode, "00037");
  assert.equal(response.headers.get("x-request-id"), body.transactionDetail.transactionID);
  const admin = await app.request("/_sim/counters", {
    headers: { authorization: `Bearer ${state.adminToken}` },
  });
  assert.equal(admin.status, 200);
  assert.equal((await admin.json()).requests, 1);
});
