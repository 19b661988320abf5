import assert from "node:assert/strict";
import type { DnbClient } from "../../src/dnb/client.ts";
import {
  DnbApiError,
  DnbOutcomeUnknownError,
  DnbReferenceUnsendableError,
  DnbRegistrationNotFoundError,
} from "../../src/dnb/errors.ts";
import type { NotificationPage } from "../../src/dnb/notification_page.ts";
import type { ReplayPage } from "../../src/dnb/notifications_api.ts";
import { withSimulator } from "../helpers/dnb_client.ts";

const REG = { reference: "REF_PULL", duns: ["081466849", "268909075"] };

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** Pulls until the queue is empty (the monitor's pacing is not the point here). */
async function drain(
  client: DnbClient,
  reference: string,
  maxNotifications: number,
): Promise<NotificationPage[]> {
  const pages: NotificationPage[] = [];
  for (;;) {
    const page = await client.notifications.pull(reference, { maxNotifications });
    if (!page) return pages;
    pages.push(page);
  }
}

Deno.test("pull drains the queue page by page until D&B answers 404", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", { generate: 250 });
    const client = h.client();
    const pages = await drain(client, "REF_PULL", 100);
    assert.deepEqual(pages.map((p) => p.notifications.length + p.invalid.length), [100, 100, 50]);
    const ids = new Set(pages.flatMap((p) => p.notifications.map((n) => n.id)));
    assert.equal(ids.size, 250 - pages.reduce((n, p) => n + p.invalid.length, 0));
    assert.equal(await client.notifications.pull("REF_PULL"), null, "the queue is empty: 404");
    assert.equal((await h.counters()).pulled, 250);
  });
});

Deno.test("pull without maxNotifications asks for one; values above 100 are clamped", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", { generate: 150 });
    const client = h.client();
    const one = await client.notifications.pull("REF_PULL");
    assert.equal(one!.notifications.length + one!.invalid.length, 1);
    const clamped = await client.notifications.pull("REF_PULL", { maxNotifications: 5000 });
    assert.equal(clamped!.notifications.length + clamped!.invalid.length, 100);
  });
});

/** Notifications 40 ms apart: 25 share each second, as a busy registration's would. */
function spreadNotifications(count: number, startMs: number, stepMs: number) {
  return Array.from({ length: count }, (_, i) => ({
    type: "UPDATE",
    organization: { duns: i % 2 ? "081466849" : "268909075" },
    elements: [{ element: "organization.numberOfEmployees", previous: i, current: i + 1 }],
    deliveryTimeStamp: new Date(startMs + i * stepMs).toISOString(),
  }));
}

Deno.test("replay re-reads pulled notifications once each despite second-precision overlap", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const startMs = Date.now() - 60_000;
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", {
      notifications: spreadNotifications(250, startMs, 40),
    });
    const client = h.client();
    const pulled = await drain(client, "REF_PULL", 100);
    const pulledIds = pulled.flatMap((p) => p.notifications.map((n) => n.id));
    assert.equal(pulledIds.length, 250);

    const replayed: ReplayPage[] = await collect(
      client.notifications.replay("REF_PULL", new Date(startMs - 5_000), { maxNotifications: 30 }),
    );
    const replayedIds = replayed.flatMap((p) => p.notifications.map((n) => n.id));
    assert.equal(
      replayedIds.length,
      new Set(replayedIds).size,
      "no duplicates after de-duplication",
    );
    assert.deepEqual(new Set(replayedIds), new Set(pulledIds), "the same notifications, same ids");
    assert.ok(
      replayed.reduce((n, p) => n + p.duplicates, 0) > 0,
      "the simulator really produced overlap that had to be removed",
    );
    assert.ok(replayed.every((p) => p.crowdedSecond === null));
    assert.equal(
      (await h.counters()).replayed,
      replayed.reduce((n, p) => n + p.notifications.length + p.duplicates, 0),
    );
  });
});

Deno.test("replay reports a second it cannot page through instead of looping or hiding it", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const secondMs = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", {
      notifications: [
        ...spreadNotifications(40, secondMs + 100, 5),
        ...spreadNotifications(3, secondMs + 2_000, 100),
      ],
    });
    const client = h.client();
    await drain(client, "REF_PULL", 100);
    const replayed = await collect(
      client.notifications.replay("REF_PULL", new Date(secondMs - 1_000), { maxNotifications: 10 }),
    );
    const skipped = replayed.map((p) => p.crowdedSecond).filter(Boolean);
    assert.deepEqual(skipped, [new Date(secondMs).toISOString().replace(".000Z", "Z")]);
    const ids = replayed.flatMap((p) => p.notifications.map((n) => n.id));
    assert.equal(ids.length, 13, "the first page of the crowded second, then the later three");
  });
});

Deno.test("one malformed notification is reported with its raw JSON; the page's others are kept", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const good = {
      type: "UPDATE",
      organization: { duns: "081466849" },
      elements: [{ element: "organization.primaryName", previous: "A", current: "B" }],
    };
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", { notifications: [good] });
    const broken = '{"type":"UPDATE","organization":{"duns":123},"elements":"oops",' +
      '"deliveryTimeStamp":"2024-02-25T16:21:07.593Z","revenue":3.0251016094E8}';
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", { raw: [broken] });
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", {
      notifications: [good, good],
    });
    const page = await h.client().notifications.pull("REF_PULL", { maxNotifications: 10 });
    assert.equal(page!.notifications.length, 3);
    assert.equal(page!.invalid.length, 1);
    assert.equal(page!.invalid[0].raw, broken, "byte-exact, exponent number included");
    assert.equal(
      page!.invalid[0].reason,
      "organization.duns: expected a 9-digit string, got number 123; elements: expected an array, " +
        'got string "oops"',
    );
  });
});

Deno.test("pull of an unknown registration is an error naming it, not an empty queue", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client();
    await assert.rejects(
      client.notifications.pull("NOPE"),
      (error: unknown) =>
        error instanceof DnbRegistrationNotFoundError && error.reference === "NOPE" &&
        /registration "NOPE" not found: D&B answered 404 21901/.test(error.message),
    );
    // A 404 whose code says nothing (the real API's is undocumented): the account's list decides.
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 404, errorCode: "00037", count: 2, pathIncludes: "/notifications" }],
    });
    await assert.rejects(
      client.notifications.pull("ELSEWHERE"),
      /registration "ELSEWHERE" not found: D&B answered 404 and the account's 1 registration/,
    );
    assert.equal(await client.notifications.pull("REF_PULL"), null, "listed: an empty queue");
    await assert.rejects(
      collect(client.notifications.replay("NOPE", new Date(Date.now() - 60_000))),
      DnbRegistrationNotFoundError,
    );
  });
});

Deno.test("a pull whose answer is lost after dequeue is never retried blind", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", "/_sim/registrations/REF_PULL/notifications", { generate: 30 });
    const client = h.client({ timeout: 0.3, max_retries: 3 });
    for (const kind of ["reset", "hang", "error", "truncate"]) {
      await h.admin("PUT", "/_sim/faults", { loseNext: { count: 1, kind } });
      const before = (await h.counters()).pulled;
      await assert.rejects(client.notifications.pull("REF_PULL", { maxNotifications: 5 }), (e) => {
        assert.ok(e instanceof DnbOutcomeUnknownError, `${kind}: ${e}`);
        assert.equal(e.code, "DNB_OUTCOME_UNKNOWN");
        return true;
      });
      assert.equal((await h.counters()).pulled - before, 5, `${kind}: one pull, no retry`);
    }
    // A 429 proves nothing was dequeued; it goes back to the caller (the monitor), which
    // re-checks its lease and pacing and pulls again.
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 429, errorCode: "00045", count: 1, pathIncludes: "/notifications" }],
    });
    const before = (await h.counters()).pulled;
    await assert.rejects(
      client.notifications.pull("REF_PULL", { maxNotifications: 5 }),
      (e: unknown) => e instanceof DnbApiError && e.status === 429,
    );
    assert.equal((await h.counters()).pulled, before, "nothing dequeued");
    const page = await client.notifications.pull("REF_PULL", { maxNotifications: 5 });
    assert.equal(page!.notifications.length + page!.invalid.length, 5);
  });
});

Deno.test("references URLs would drop (. and ..) are refused before anything is sent", async () => {
  await withSimulator(
    { registrations: [REG, { reference: "notifications", duns: ["081466849"] }] },
    async (h) => {
      await h.admin("POST", "/_sim/registrations/notifications/notifications", { generate: 3 });
      const client = h.client();
      for (const reference of [".", ".."]) {
        const error = await client.notifications.pull(reference).catch((e) => e);
        assert.ok(error instanceof DnbReferenceUnsendableError, String(error));
        assert.equal(error.code, "DNB_REFERENCE_UNSENDABLE");
        assert.match(error.message, /rename the registration at D&B/);
      }
      // Nothing reached D&B: the registration named "notifications" still has its three.
      assert.equal((await h.counters()).pulled, 0);
    },
  );
});
