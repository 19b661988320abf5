import assert from "node:assert/strict";
import { withSimulator } from "../helpers/dnb_client.ts";

interface SimRegistration {
  reference: string;
  subjects: string[];
  suppressed: boolean;
  exceptions: { duns: string; code: string }[];
  exports: unknown[];
}

for (const family of ["subjects", "duns"] as const) {
  Deno.test(`registrations (${family} paths): every operation against the simulator`, async () => {
    await withSimulator({}, async (h) => {
      const api = h.client({ subject_paths: family }).registrations;
      const view = (ref: string) => h.admin<SimRegistration>("GET", `/_sim/registrations/${ref}`);

      const created = await api.create({
        reference: "ACME_PULL_01",
        description: "Key suppliers",
        productId: "cmpelk",
        versionId: "v2",
        deliveryTrigger: "API_PULL",
        email: ["ops@acme.test", "risk@acme.test"],
        seedData: false,
        duns: ["081466849", "268909075"],
      });
      assert.ok(created.status >= 200 && created.status < 300);
      assert.deepEqual(await api.list(), ["ACME_PULL_01"]);

      const details = await api.get("ACME_PULL_01");
      assert.equal(details.reference, "ACME_PULL_01");
      assert.equal(details.notificationsSuppressed, false);
      assert.equal(details.registration.email, "ops@acme.test,risk@acme.test");
      assert.match(details.registration.createdDate ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal(details.registration.deliveryTrigger, "API_PULL");

      await api.edit("ACME_PULL_01", { description: "Key suppliers (EU)" });
      assert.equal((await api.get("ACME_PULL_01")).registration.description, "Key suppliers (EU)");

      const added = await api.addSubject("ACME_PULL_01", "000000017");
      assert.equal(added.outcome, "added");
      assert.equal(added.info.code, "21113");
      const again = await api.addSubject("ACME_PULL_01", "000000017");
      assert.equal(again.outcome, "already_present");
      assert.equal(again.info.code, "21012");
      assert.equal(await api.checkSubject("ACME_PULL_01", "000000017"), true);

      const removed = await api.removeSubject("ACME_PULL_01", "000000017");
      assert.equal(removed.outcome, "removed");
      assert.equal(removed.info.code, "21114");
      assert.equal((await api.removeSubject("ACME_PULL_01", "000000017")).outcome, "absent");
      assert.equal(await api.checkSubject("ACME_PULL_01", "000000017"), false);

      const batch = await api.addSubjects("ACME_PULL_01", ["111111111", "222222222", "12345"]);
      assert.equal(batch.status, 202);
      await waitFor(async () => (await view("ACME_PULL_01")).subjects.includes("222222222"));
      const afterBatch = await view("ACME_PULL_01");
      assert.ok(afterBatch.subjects.includes("111111111"));
      assert.deepEqual(afterBatch.exceptions.map((e) => e.duns), ["12345"]);

      const batchRemove = await api.removeSubjects("ACME_PULL_01", ["111111111"]);
      assert.equal(batchRemove.status, 202);
      await waitFor(async () => !(await view("ACME_PULL_01")).subjects.includes("111111111"));

      await api.suppress("ACME_PULL_01");
      assert.equal((await api.get("ACME_PULL_01")).notificationsSuppressed, true);
      await api.unsuppress("ACME_PULL_01");
      assert.equal((await api.get("ACME_PULL_01")).notificationsSuppressed, false);

      const exported = await api.requestExport("ACME_PULL_01");
      assert.ok(exported.status >= 200 && exported.status < 300);
      assert.equal((await view("ACME_PULL_01")).exports.length, 1);
      // D&B's verb for the export is unknown: a gateway that routes only GET answers POST 405.
      await h.admin("PUT", "/_sim/faults", { exportVerb: "GET" });
      const viaGet = await api.requestExport("ACME_PULL_01");
      assert.ok(viaGet.status >= 200 && viaGet.status < 300);
      assert.equal((await view("ACME_PULL_01")).exports.length, 2);
      await h.admin("PUT", "/_sim/faults", { exportVerb: "any" });

      await api.delete("ACME_PULL_01");
      assert.deepEqual(await api.list(), []);
    });
  });
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail("condition not reached within 1 s");
}
