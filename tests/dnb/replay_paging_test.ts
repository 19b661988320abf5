/**
 * Replay always ends (design.md invariant 5): a property test over random stamp densities —
 * more than one response's worth in a second, stamps exactly on whole seconds, empty and full
 * responses — against a replay endpoint with D&B's rules, both readings of "after".
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Secret } from "../../src/model/secret.ts";
import { createDnbClient } from "../../src/dnb/client.ts";
import { nextReplayStep } from "../../src/dnb/replay_paging.ts";
import { testDnbConfig } from "../helpers/dnb_client.ts";

const T0 = Date.parse("2026-11-30T10:00:00.000Z");

interface Item {
  seq: number;
  stampMs: number;
}

/** Seconds with 0–250 notifications each, some of them exactly on the whole second. */
const stampsArbitrary = fc.array(
  fc.record({
    gapSeconds: fc.integer({ min: 0, max: 3 }),
    count: fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 90, max: 110 }),
      fc.integer({ min: 0, max: 250 }),
    ),
    onWholeSecond: fc.boolean(),
  }),
  { minLength: 0, maxLength: 12 },
).chain((seconds) => {
  let second = T0;
  const groups = seconds.map((s) => {
    second += (s.gapSeconds + 1) * 1000;
    return { second, count: s.count, onWholeSecond: s.onWholeSecond };
  });
  return fc.tuple(
    ...groups.map((g) =>
      fc.array(fc.integer({ min: g.onWholeSecond ? 0 : 1, max: 999 }), {
        minLength: g.count,
        maxLength: g.count,
      }).map((offsets) => offsets.map((o, i) => (g.onWholeSecond && i === 0 ? 0 : o) + g.second))
    ),
  ).map((lists) => lists.flat().sort((a, b) => a - b).map((stampMs, seq) => ({ seq, stampMs })));
});

/** A replay endpoint over `items`: from a whole second, strictly after or from, at most `max`. */
function replayServer(items: Item[], options: { strict: boolean; limit: number }) {
  let requests = 0;
  const fetcher: typeof fetch = (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith("/token")) {
      return Promise.resolve(Response.json({ access_token: "t", expires_in: 86400 }));
    }
    requests++;
    const startMs = Date.parse(url.searchParams.get("replayStartTimestamp")!);
    const max = Number(url.searchParams.get("maxNotifications"));
    assert.ok(max <= options.limit, "never asks for more than one response holds");
    const found = items.filter((i) => options.strict ? i.stampMs > startMs : i.stampMs >= startMs)
      .slice(0, max);
    if (found.length === 0) {
      return Promise.resolve(Response.json({ error: { errorCode: "21902" } }, { status: 404 }));
    }
    return Promise.resolve(Response.json({
      transactionDetail: { transactionID: "rrt-1", transactionTimestamp: new Date().toISOString() },
      inquiryDetail: { reference: "R" },
      notifications: found.map((i) => ({
        type: "DELETE",
        organization: { duns: "000000001" },
        elements: [{ element: "organization.seq", previous: null, current: i.seq }],
        deliveryTimeStamp: new Date(i.stampMs).toISOString(),
      })),
    }));
  };
  return { fetcher, requests: () => requests };
}

/** The second a stamp's replay reaches it from: (k, k+1] when strict, [k, k+1) otherwise. */
function bucketOf(stampMs: number, strict: boolean): number {
  return strict ? Math.ceil(stampMs / 1000) * 1000 - 1000 : Math.floor(stampMs / 1000) * 1000;
}

Deno.test("property: replay ends, returns each notification once, and names every second it cannot page", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await fc.assert(
      fc.asyncProperty(
        stampsArbitrary,
        fc.boolean(),
        fc.constantFrom(1, 7, 100),
        async (items, strict, max) => {
          const server = replayServer(items, { strict, limit: max });
          const client = createDnbClient(
            testDnbConfig({
              rate_limit: 1e9,
              replay_max_notifications: max,
              client_secret: new Secret("x"),
            }),
            { kv, baseUrl: "http://dnb.invalid", fetch: server.fetcher },
          );
          const seconds = new Set(items.map((i) => Math.floor(i.stampMs / 1000)));
          const bound = (items.length > 0 ? 20 * seconds.size + 60 : 0) + 5;
          const returned: number[] = [];
          const crowded = new Set<number>();
          let pages = 0;
          for await (
            const page of client.notifications.replay("R", new Date(T0), { maxRequests: bound })
          ) {
            pages++;
            for (const n of page.notifications) {
              returned.push(
                (n.notification.elements[0] as unknown as { current: number }).current,
              );
            }
            if (page.crowdedSecond) {
              const second = Date.parse(page.crowdedSecond);
              assert.ok(!crowded.has(second), "each crowded second named once");
              crowded.add(second);
            }
          }
          assert.ok(server.requests() < bound, `ended after ${server.requests()} requests`);
          assert.equal(new Set(returned).size, returned.length, "each notification once");
          const got = new Set(returned);
          // A stamp exactly on a whole second W belongs to the second before W when "after" is
          // strict; a report of either second covers it.
          const coveredBy = (stampMs: number) =>
            stampMs % 1000 === 0 ? [stampMs, stampMs - 1000] : [bucketOf(stampMs, strict)];
          for (const item of items) {
            if (got.has(item.seq)) continue;
            assert.ok(
              coveredBy(item.stampMs).some((second) => crowded.has(second)),
              `notification ${item.seq} (${new Date(item.stampMs).toISOString()}) missed ` +
                `outside a reported second (${pages} pages, strict ${strict}, max ${max})`,
            );
          }
          const count = (from: number, to: number, closed: [boolean, boolean]) =>
            items.filter((i) =>
              (closed[0] ? i.stampMs >= from : i.stampMs > from) &&
              (closed[1] ? i.stampMs <= to : i.stampMs < to)
            ).length;
          for (const second of crowded) {
            // Inclusive: [C, C+1). Strict: (C, C+1], or (C-1, C] with stamps right on C.
            const full = strict
              ? count(second, second + 1000, [false, true]) >= max ||
                (count(second - 1000, second, [false, true]) >= max &&
                  items.some((i) => i.stampMs === second))
              : count(second, second + 1000, [true, false]) >= max;
            assert.ok(full, `only a second holding a full response is reported: ${second}`);
          }
          const perBucket = new Map<number, number>();
          for (const i of items) {
            const b = bucketOf(i.stampMs, strict);
            perBucket.set(b, (perBucket.get(b) ?? 0) + 1);
          }
          for (const [bucket, count] of perBucket) {
            if (count <= max) continue;
            assert.ok(
              crowded.has(bucket) || crowded.has(bucket + 1000),
              `the over-full second ${new Date(bucket).toISOString()} is reported`,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    kv.close();
  }
});

Deno.test("a full response moves the start forward; one inside its second is crowded", () => {
  const s = T0;
  const step = (stampsMs: number[], max: number) =>
    nextReplayStep({ startMs: s, stampsMs, received: stampsMs.length, max });
  assert.deepEqual(step([s + 10], 5), {
    nextStartMs: null,
    crowdedSecondMs: null,
    crowdedReached: 0,
    onBoundary: false,
  });
  assert.deepEqual(step([s + 10, s + 1500], 2), {
    nextStartMs: s + 1000,
    crowdedSecondMs: null,
    crowdedReached: 0,
    onBoundary: false,
  });
  assert.deepEqual(step([s + 10, s + 999], 2), {
    nextStartMs: s + 1000,
    crowdedSecondMs: s,
    crowdedReached: 2,
    onBoundary: false,
  });
  assert.deepEqual(step([s + 1000, s + 1000], 2), {
    nextStartMs: s + 1000,
    crowdedSecondMs: s + 1000,
    crowdedReached: 2,
    onBoundary: true,
  });
  // Half inside the second, half on the next one: the boundary is what may go on unread.
  assert.deepEqual(step([s + 10, s + 20, s + 1000, s + 1000], 4), {
    nextStartMs: s + 1000,
    crowdedSecondMs: s + 1000,
    crowdedReached: 2,
    onBoundary: true,
  });
  // A stamp exactly on the next second is re-read from the second before it, not skipped.
  assert.deepEqual(step([s + 10, s + 2000], 2), {
    nextStartMs: s + 1000,
    crowdedSecondMs: null,
    crowdedReached: 0,
    onBoundary: false,
  });
});
