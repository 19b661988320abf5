import assert from "node:assert/strict";
import type { PipelineConfig } from "../../src/config/config.ts";
import type { Clock } from "../../src/pipeline/clock.ts";
import { DeadLetters } from "../../src/pipeline/dead_letters.ts";
import { Dispatcher, type FailedEvent } from "../../src/pipeline/dispatch.ts";
import { Journal } from "../../src/pipeline/journal.ts";
import { createLocalSink } from "../../src/sinks/local.ts";
import { withKv } from "../helpers/kv.ts";
import { MemorySink } from "../helpers/memory_sink.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";
import { until } from "../helpers/wait.ts";

const CONFIG: PipelineConfig = {
  sink_retry_base_delay: 1,
  sink_retry_max_delay: 60,
  sink_failure_threshold: 5,
  sink_reset_timeout: 30,
  dead_letter_after: 3,
  shutdown_timeout: 2,
  lease_ttl: 60,
};

/** Simulated time: sleeping moves the clock instead of waiting (yielding to other tasks). */
function simulatedClock(
  start = Date.parse("2026-11-27T09:00:00Z"),
): Clock & { elapsedMs(): number } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      now += ms;
      await new Promise((resolve) => setTimeout(resolve, 0));
      signal?.throwIfAborted();
    },
    elapsedMs: () => now - start,
  };
}

async function setup(kv: Deno.Kv, clock: Clock, sinks: MemorySink[]) {
  const journal = new Journal(kv);
  const dispatcher = new Dispatcher({
    kv,
    journal,
    deadLetters: new DeadLetters(kv),
    config: CONFIG,
    clock,
    random: () => 0.999,
    idlePollMs: 5,
  });
  for (const sink of sinks) await dispatcher.addSink(sink);
  let n = 0;
  const append = async (registration = "REG_D", count = 3) => {
    const items = journaled(
      registration,
      Array.from({ length: count }, () => makeNotification(n++)),
    );
    const { batch } = await journal.append(registration, {
      notifications: items,
      pulledAt: new Date(clock.now()),
      source: "pull",
    });
    dispatcher.notify();
    return { batch: batch!, ids: items.map((i) => i.id) };
  };
  return { journal, dispatcher, append };
}

Deno.test("a sink that fails for ten minutes of simulated time never holds back the other sink, then catches up exactly", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const healthy = new MemorySink("healthy");
    const failing = new MemorySink("failing");
    failing.failWith = () => new Error("connection refused");
    const { dispatcher, append } = await setup(kv, clock, [healthy, failing]);
    dispatcher.start();
    try {
      const all: string[] = [];
      let batches = 0;
      while (clock.elapsedMs() < 10 * 60_000) {
        const { ids } = await append();
        all.push(...ids);
        batches++;
        await until(() => ids.every((id) => healthy.stored.has(id)), "the healthy sink");
        await new Promise((resolve) => setTimeout(resolve, 1));
        assert.ok(batches < 5_000, "bounded");
      }
      assert.equal(failing.stored.size, 0, "the failing sink stored nothing while down");
      assert.ok(failing.attempts > 5, "it kept retrying");
      const [, failingStatus] = await dispatcher.status();
      assert.equal(failingStatus.breaker.state, "open");
      assert.equal(failingStatus.lagBatches, batches);
      assert.equal(
        (await new DeadLetters(kv).list()).length,
        0,
        "an outage is never dead-lettered",
      );

      failing.failWith = null;
      await until(() => failing.stored.size === all.length, "the failing sink to catch up", {
        limitMs: 10_000,
      });
      for (const sink of [healthy, failing]) {
        assert.deepEqual([...sink.stored.keys()].sort(), [...all].sort());
        assert.ok(
          [...sink.stored.values()].every((count) => count === 1),
          `${sink.name}: each once`,
        );
        const sequences = sink.deliveries.map((d) => d.sequence);
        assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b), `${sink.name}: in order`);
      }
    } finally {
      await dispatcher.stop();
    }
  });
});

Deno.test("a cursor moves only after success, and survives a restart", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const sink = new MemorySink("s");
    sink.failWith = () => new Error("down");
    const first = await setup(kv, clock, [sink]);
    await first.append();
    await first.append();
    assert.deepEqual(await first.dispatcher.deliverPending(), {
      s: { current: false, error: "down" },
    });
    assert.equal(await first.dispatcher.acknowledged("REG_D"), 0);
    sink.failWith = null;
    const restarted = new Dispatcher({
      kv,
      journal: first.journal,
      deadLetters: new DeadLetters(kv),
      config: CONFIG,
      clock,
    });
    const again = new MemorySink("s");
    await restarted.addSink(again);
    assert.deepEqual(await restarted.deliverPending(), { s: { current: true, error: null } });
    assert.deepEqual(again.deliveries.map((d) => d.sequence), [1, 2]);
    assert.equal(await restarted.acknowledged("REG_D"), 2);
    assert.deepEqual(await restarted.deliverPending(), { s: { current: true, error: null } });
    assert.equal(again.deliveries.length, 2, "nothing delivered twice");
  });
});

Deno.test("notifications a sink refuses go to its dead letters after N failures; the rest of the batch is stored", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const picky = new MemorySink("picky");
    const other = new MemorySink("other");
    const { dispatcher, append } = await setup(kv, clock, [picky, other]);
    const { ids } = await append("REG_D", 5);
    picky.refuse.add(ids[2]);
    dispatcher.start();
    try {
      await until(() => picky.stored.size === 4, "the picky sink to store the rest");
      assert.equal(picky.attempts, CONFIG.dead_letter_after + 1);
      assert.ok(!picky.stored.has(ids[2]));
      assert.equal(other.stored.size, 5, "the other sink got everything");
      const letters = await new DeadLetters(kv).list();
      assert.deepEqual(letters.map((l) => [l.sink, l.notificationId, l.batchSequence]), [[
        "picky",
        ids[2],
        1,
      ]]);
      const full = await new DeadLetters(kv).read(letters[0]);
      assert.equal(JSON.parse(full!.raw).elements[0].previous, "Company 2");
    } finally {
      await dispatcher.stop();
    }
  });
});

Deno.test("a sink added at the head gets only new batches; one added at the beginning gets all", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const { dispatcher, append } = await setup(kv, clock, []);
    await append();
    const late = new MemorySink("late");
    const full = new MemorySink("full");
    await dispatcher.addSink(late, { startAt: "head" });
    await dispatcher.addSink(full, { startAt: "beginning" });
    await append();
    await dispatcher.deliverPending();
    assert.deepEqual(late.deliveries.map((d) => d.sequence), [2]);
    assert.deepEqual(full.deliveries.map((d) => d.sequence), [1, 2]);
    await dispatcher.removeSink("late");
    assert.equal(await dispatcher.acknowledged("REG_D"), 2);
  });
});

Deno.test("registrations are served in turn, each in order", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const sink = new MemorySink("s");
    const { dispatcher, append } = await setup(kv, clock, [sink]);
    for (let i = 0; i < 3; i++) {
      await append("A");
      await append("B");
    }
    await dispatcher.deliverPending();
    const order = sink.deliveries.map((d) => `${d.registration}${d.sequence}`);
    assert.deepEqual(order.filter((o) => o.startsWith("A")), ["A1", "A2", "A3"]);
    assert.deepEqual(order.filter((o) => o.startsWith("B")), ["B1", "B2", "B3"]);
    assert.notDeepEqual(
      order,
      ["A1", "A2", "A3", "B1", "B2", "B3"],
      "interleaved, not one after the other",
    );
  });
});

/** A base folder so deep that one more long folder name passes PATH_MAX (4096) and a short one does not. */
async function deepBase(root: string): Promise<string> {
  let base = root;
  while (base.length < 3_990) base += "/" + "d".repeat(Math.min(200, 3_990 - base.length - 1));
  await Deno.mkdir(base, { recursive: true });
  return base;
}

Deno.test("a batch the local sink can never write (name too long) is dead-lettered after N attempts; another registration stays current", async () => {
  await withKv(async (kv) => {
    const root = await Deno.makeTempDir({ prefix: "traceone_refusal_" });
    try {
      const base = await deepBase(root);
      const clock = simulatedClock();
      const journal = new Journal(kv);
      const failed: FailedEvent[] = [];
      const local = createLocalSink({
        enabled: true,
        base_path: base,
        file_format: "json",
        organize_by_date: true,
        compress: false,
        file_permissions: 0o600,
      });
      const dispatcher = new Dispatcher({
        kv,
        journal,
        deadLetters: new DeadLetters(kv),
        config: CONFIG,
        clock,
        random: () => 0.999,
        idlePollMs: 5,
        onFailed: (event) => failed.push(event),
      });
      await dispatcher.addSink(local);
      const long = "L".repeat(100) + "/EU";
      let n = 0;
      const append = async (registration: string) => {
        const items = journaled(registration, [makeNotification(n++), makeNotification(n++)]);
        await journal.append(registration, {
          notifications: items,
          pulledAt: new Date(clock.now()),
          source: "pull",
        });
        dispatcher.notify();
        return items.map((item) => item.id);
      };
      const refusedIds = await append(long);
      dispatcher.start();
      try {
        for (let i = 0; i < 5; i++) await append("OK");
        await until(async () => (await dispatcher.acknowledged("OK")) === 5, "OK to be current");
        await until(
          async () => (await new DeadLetters(kv).list()).length === 2,
          "the unwritable batch to be dead-lettered",
        );
        const letters = await new DeadLetters(kv).list();
        assert.deepEqual(letters.map((l) => l.notificationId).sort(), [...refusedIds].sort());
        assert.ok(letters.every((l) => l.sink === "local_storage" && l.batchSequence === 1));
        assert.match(letters[0].reason, /too long for the file system/);
        // Refused N−1 times, then dead-lettered on the Nth: no more attempts after that.
        const refusals = failed.filter((event) => event.registration === long);
        assert.equal(refusals.length, CONFIG.dead_letter_after - 1);
        assert.deepEqual(refusals.map((event) => event.failures), [1, 2]);
        const [status] = await dispatcher.status();
        assert.equal(status.breaker.state, "closed", "a refusal never opens the breaker");
        assert.equal(status.consecutiveFailures, 0);
        await until(async () => (await dispatcher.acknowledged(long)) === 1, "its cursor to move");
        const okFiles = [];
        for await (const entry of Deno.readDir(`${base}/2026/11/27/OK`)) okFiles.push(entry.name);
        assert.equal(okFiles.length, 5, "every batch of the healthy registration is a file");
      } finally {
        await dispatcher.stop();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
});

Deno.test("an outage during a group commit is reported like any other failure", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const failed: FailedEvent[] = [];
    const grouping = new MemorySink("grouping");
    let groupCalls = 0;
    const sink = Object.assign(grouping, {
      deliverMany: () => {
        groupCalls++;
        return Promise.reject(new Error("connection reset by peer"));
      },
    });
    const journal = new Journal(kv);
    const dispatcher = new Dispatcher({
      kv,
      journal,
      deadLetters: new DeadLetters(kv),
      config: CONFIG,
      clock,
      onFailed: (event) => failed.push(event),
    });
    await dispatcher.addSink(sink);
    for (let i = 0; i < 3; i++) {
      await journal.append("REG_G", {
        notifications: journaled("REG_G", [makeNotification(i)]),
        pulledAt: new Date(clock.now()),
        source: "pull",
      });
    }
    assert.deepEqual(await dispatcher.deliverPending(), {
      grouping: { current: false, error: "connection reset by peer" },
    });
    assert.equal(groupCalls, 1);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].sink, "grouping");
    assert.equal(failed[0].sequence, 1);
    assert.match(String(failed[0].error), /connection reset/);
  });
});

Deno.test("one-shot passes: a refused batch holds only its registration, and refusals add up across processes", async () => {
  await withKv(async (kv) => {
    const clock = simulatedClock();
    const journal = new Journal(kv);
    const ids: Record<string, string[]> = {};
    let n = 0;
    for (const registration of ["REG_A", "REG_B"]) {
      const items = journaled(registration, [makeNotification(n++), makeNotification(n++)]);
      ids[registration] = items.map((item) => item.id);
      await journal.append(registration, {
        notifications: items,
        pulledAt: new Date(clock.now()),
        source: "pull",
      });
    }
    // Each run of a command (`pull`, `import`) is a new process with a new dispatcher.
    const run = async () => {
      const sink = new MemorySink("picky");
      sink.refuse.add(ids.REG_A[0]);
      const dispatcher = new Dispatcher({
        kv,
        journal,
        deadLetters: new DeadLetters(kv),
        config: CONFIG,
        clock,
      });
      await dispatcher.addSink(sink);
      return { result: await dispatcher.deliverPending(), sink };
    };
    const first = await run();
    assert.equal(first.result.picky.current, false);
    assert.ok(first.sink.stored.has(ids.REG_B[0]), "the other registration was delivered");
    assert.equal((await new DeadLetters(kv).list()).length, 0);
    await run();
    const third = await run();
    assert.deepEqual(
      (await new DeadLetters(kv).list()).map((letter) => letter.notificationId),
      [ids.REG_A[0]],
      "dead-lettered on the third refusal (dead_letter_after: 3), by three processes",
    );
    assert.equal(third.result.picky.current, true);
    assert.ok(third.sink.stored.has(ids.REG_A[1]), "the rest of the batch stored");
  });
});
