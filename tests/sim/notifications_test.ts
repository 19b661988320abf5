import assert from "node:assert/strict";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { api, type Json } from "../helpers/sim_api.ts";
import {
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from "../../src/sim/server.ts";

const REF = "/v1/monitoring/registrations/PULL";
const DAY = 86400;
const T0 = Date.parse("2024-02-25T16:21:07.500Z");

function start(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({
    rateLimit: 0,
    seed: 99,
    now: () => T0,
    registrations: [{ reference: "PULL", duns: ["081466849", "268909075"] }],
    ...options,
  });
}

function deleteOf(duns: string, stamp?: string): Record<string, unknown> {
  const item: Record<string, unknown> = { type: "DELETE", organization: { duns }, elements: [] };
  if (stamp) item.deliveryTimeStamp = stamp;
  return item;
}

Deno.test("pull is destructive, oldest first, one by default, 404 once drained", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("PULL", {
      notifications: [deleteOf("000000001"), deleteOf("000000002"), deleteOf("000000003")],
    });
    const first = await api(sim, `${REF}/notifications`);
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body), [
      "transactionDetail",
      "inquiryDetail",
      "notifications",
    ]);
    assert.deepEqual(first.body.inquiryDetail, { reference: "PULL" });
    assert.equal(first.body.notifications.length, 1);
    assert.equal(first.body.notifications[0].organization.duns, "000000001");
    assert.equal(first.body.notifications[0].deliveryTimeStamp, "2024-02-25T16:21:07.500Z");

    const rest = await api(sim, `${REF}/notifications?maxNotifications=100`);
    assert.deepEqual(
      rest.body.notifications.map((n: Json) => [n.organization.duns, n.deliveryTimeStamp]),
      [["000000002", "2024-02-25T16:21:07.501Z"], ["000000003", "2024-02-25T16:21:07.502Z"]],
    );
    const drained = await api(sim, `${REF}/notifications?maxNotifications=10`);
    assert.equal(drained.status, 404);
    assert.equal(drained.headers.get("x-request-status"), "failure");
    assert.equal(drained.body.error.errorCode, "21902");
    const view = await admin.registration("PULL");
    assert.equal(view.queued, 0);
    assert.equal(view.replayLog, 3);
    assert.equal((await admin.counters()).pulled, 3);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("maxNotifications outside 1..limit or not a number is 400 00003", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("PULL", { generate: 3 });
    for (const value of ["101", "0", "-1", "abc", "1.5", ""]) {
      const reply = await api(sim, `${REF}/notifications?maxNotifications=${value}`);
      assert.equal(reply.status, 400, value);
      assert.equal(reply.body.error.errorCode, "00003", value);
      assert.equal(reply.body.error.errorDetails[0].parameter, "maxNotifications");
    }
    assert.equal((await admin.registration("PULL")).queued, 3);
    assert.equal((await api(sim, `${REF}/notifications?maxNotifications=100`)).status, 200);
  } finally {
    await sim.shutdown();
  }
  const small = await start({ maxNotificationsLimit: 5 });
  try {
    const reply = await api(small, `${REF}/notifications?maxNotifications=6`);
    assert.equal(reply.status, 400);
  } finally {
    await small.shutdown();
  }
});

Deno.test("stored text reaches the wire byte-exact: exponent numbers and malformed items", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const exponent =
      '{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[{"element":"organization.financials","previous":null,"current":3.0251016094E8}],"deliveryTimeStamp":"2024-02-25T16:21:07.593Z"}';
    const malformed = '{"type":7,"organization":{},"elements":"unavailable"}';
    await admin.enqueue("PULL", { raw: [exponent, malformed] });
    const reply = await api(sim, `${REF}/notifications?maxNotifications=2`);
    assert.equal(reply.status, 200);
    assert.ok(reply.text.endsWith(`"notifications":[${exponent},${malformed}]}`), reply.text);
    assert.equal(reply.body.notifications[0].elements[0].current, 302510160.94);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("generated notifications put exponent numbers and all nine types on the wire", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const types = [
      "UPDATE",
      "SEED",
      "DELETE",
      "UNDELETE",
      "TRANSFER",
      "UNDER_REVIEW",
      "REVIEWED",
      "EXIT",
      "REMOVED",
    ];
    assert.deepEqual(await admin.enqueue("PULL", { generate: 18, types }), { enqueued: 18 });
    const reply = await api(sim, `${REF}/notifications?maxNotifications=100`);
    assert.equal(reply.status, 200);
    assert.match(reply.text, /"yearlyRevenue":\[\{"value":[1-9]\.[0-9]+E[0-9]+,/);
    const seen = new Set(reply.body.notifications.map((n: Json) => n.type));
    assert.deepEqual([...seen].sort(), [...types].sort());
    const stamps = reply.body.notifications.map((n: Json) => n.deliveryTimeStamp);
    assert.deepEqual([...stamps].sort(), stamps, "ascending");
    assert.equal(new Set(stamps).size, 18, "distinct, 1 ms apart");
    const duns = new Set(reply.body.notifications.map((n: Json) => n.organization.duns));
    assert.deepEqual([...duns].sort(), ["081466849", "268909075"]);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("suppress holds notifications (404) and unsuppress releases them", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    assert.equal((await api(sim, `${REF}/suppress`, { method: "PATCH" })).status, 200);
    await admin.enqueue("PULL", { generate: 2 });
    const held = await api(sim, `${REF}/notifications`);
    assert.equal(held.status, 404);
    assert.equal(held.body.error.errorCode, "21902");
    assert.equal((await admin.registration("PULL")).queued, 2);
    // Held items are not expired while suppressed, and get 4 days from activation.
    await admin.advanceClock(5 * DAY);
    assert.equal((await api(sim, `${REF}/suppress`, { method: "DELETE" })).status, 200);
    await admin.advanceClock(DAY);
    const released = await api(sim, `${REF}/notifications?maxNotifications=5`);
    assert.equal(released.status, 200);
    assert.equal(released.body.notifications.length, 2);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("admin-created suppressed registration holds until unsuppressed", async () => {
  const sim = await start({ registrations: [] });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const view = await admin.createRegistration({
      reference: "PULL",
      duns: ["081466849"],
      suppressed: true,
    });
    assert.equal(view.suppressed, true);
    await admin.enqueue("PULL", { generate: 1 });
    assert.equal((await api(sim, `${REF}/notifications`)).status, 404);
    await api(sim, `${REF}/suppress`, { method: "DELETE" });
    assert.equal((await api(sim, `${REF}/notifications`)).status, 200);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("pull on a PUSH registration is 400, on an unknown one 404", async () => {
  const sim = await start({ registrations: [] });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.createRegistration({ reference: "PUSHY", deliveryTrigger: "PUSH", duns: [] });
    await admin.enqueue("PUSHY", { generate: 1 });
    const push = await api(sim, "/v1/monitoring/registrations/PUSHY/notifications");
    assert.equal(push.status, 400);
    assert.equal(push.body.error.errorCode, "21903");
    const unknown = await api(sim, "/v1/monitoring/registrations/NOPE/notifications");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.errorCode, "21901");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("unpulled notifications are dropped after 4 days on the simulated clock", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("PULL", { generate: 2 });
    await admin.advanceClock(4 * DAY - 1);
    assert.equal((await api(sim, `${REF}/notifications`)).status, 200);
    await admin.advanceClock(1);
    const late = await api(sim, `${REF}/notifications`);
    assert.equal(late.status, 404);
    assert.equal((await admin.registration("PULL")).queued, 0);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("replay: strictly after a second-precision start, ascending, default 1", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("PULL", {
      notifications: [
        deleteOf("000000003", "2024-02-25T16:21:08.001Z"),
        deleteOf("000000001", "2024-02-25T16:21:07.000Z"),
        deleteOf("000000002", "2024-02-25T16:21:07.593Z"),
      ],
    });
    assert.equal((await api(sim, `${REF}/notifications?maxNotifications=3`)).status, 200);
    const replay = (query: string) => api(sim, `${REF}/notifications/replay?${query}`);

    const one = await replay("replayStartTimestamp=2024-02-25T16:21:07Z");
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.inquiryDetail, { reference: "PULL" });
    assert.deepEqual(one.body.notifications.map((n: Json) => n.organization.duns), ["000000002"]);

    const all = await replay("replayStartTimestamp=2024-02-25T16:21:07Z&maxNotifications=10");
    assert.deepEqual(
      all.body.notifications.map((n: Json) => n.deliveryTimeStamp),
      ["2024-02-25T16:21:07.593Z", "2024-02-25T16:21:08.001Z"],
    );
    // A caller resuming from the last stamp it saw, truncated to seconds, sees it again.
    const overlap = await replay("replayStartTimestamp=2024-02-25T16:21:08Z&maxNotifications=10");
    assert.deepEqual(overlap.body.notifications.map((n: Json) => n.deliveryTimeStamp), [
      "2024-02-25T16:21:08.001Z",
    ]);
    const after = await replay("replayStartTimestamp=2024-02-25T16:21:09Z");
    assert.equal(after.status, 404);
    assert.equal(after.body.error.errorCode, "21902");
    assert.equal((await admin.counters()).replayed, 4);
    // Replay is not destructive.
    assert.equal((await admin.registration("PULL")).replayLog, 3);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("replay parameters: start required, second precision only", async () => {
  const sim = await start();
  try {
    for (
      const query of [
        "",
        "replayStartTimestamp=",
        "replayStartTimestamp=2024-02-25T16:21:07.000Z",
        "replayStartTimestamp=2024-02-25 16:21:07",
        "replayStartTimestamp=2024-02-25T16:21:07Z&maxNotifications=101",
      ]
    ) {
      const reply = await api(sim, `${REF}/notifications/replay?${query}`);
      assert.equal(reply.status, 400, query);
      assert.equal(reply.body.error.errorCode, "00003", query);
    }
  } finally {
    await sim.shutdown();
  }
});

Deno.test("replay covers only what was pulled within the last 14 days", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("PULL", { notifications: [deleteOf("000000001")] });
    await api(sim, `${REF}/notifications`);
    await admin.advanceClock(7 * DAY);
    await admin.enqueue("PULL", { notifications: [deleteOf("000000002")] });
    await api(sim, `${REF}/notifications`);
    const query =
      `${REF}/notifications/replay?replayStartTimestamp=2024-01-01T00:00:00Z&maxNotifications=10`;
    assert.equal((await api(sim, query)).body.notifications.length, 2);
    await admin.advanceClock(7 * DAY);
    const later = await api(sim, query);
    assert.deepEqual(later.body.notifications.map((n: Json) => n.organization.duns), ["000000002"]);
    await admin.advanceClock(7 * DAY);
    assert.equal((await api(sim, query)).status, 404);
  } finally {
    await sim.shutdown();
  }
});
