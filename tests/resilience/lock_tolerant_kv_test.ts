import assert from "node:assert/strict";
import { lockTolerantKv } from "../../src/resilience/lock_tolerant_kv.ts";

/** Two connections to one KV file, as the service and a CLI command beside it have. */
async function withTwoConnections(
  fn: (first: Deno.Kv, second: Deno.Kv) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone-lock-" });
  const first = await Deno.openKv(`${dir}/state.kv`);
  const second = await Deno.openKv(`${dir}/state.kv`);
  try {
    await fn(first, second);
  } finally {
    first.close();
    second.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const ROUNDS = 400;

/**
 * Check-and-set increments of one counter from two writers on each connection, the way both
 * processes take the shared rate-limit slot. Returns the commits that threw and the count the
 * store ended with.
 */
async function contend(
  first: Deno.Kv,
  second: Deno.Kv,
): Promise<{ thrown: string[]; applied: number }> {
  const thrown: string[] = [];
  let applied = 0;
  async function writer(kv: Deno.Kv): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      try {
        for (;;) {
          const entry = await kv.get<number>(["counter"]);
          const result = await kv.atomic().check(entry).set(["counter"], (entry.value ?? 0) + 1)
            .commit();
          if (result.ok) break;
        }
        applied++;
      } catch (error) {
        thrown.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  await Promise.all([writer(first), writer(second), writer(first), writer(second)]);
  const counter = (await first.get<number>(["counter"])).value ?? 0;
  assert.equal(counter, applied, "every increment that returned applied exactly once");
  return { thrown, applied };
}

Deno.test("two connections contending on one key: bare KV throws 'database is locked'", async () => {
  await withTwoConnections(async (first, second) => {
    const { thrown } = await contend(first, second);
    assert.ok(thrown.length > 0, "the fault this wrapper exists for happens here");
    assert.ok(thrown.every((message) => /database is locked/.test(message)), thrown[0]);
  });
});

Deno.test("two connections contending on one key: through the wrapper nothing throws", async () => {
  await withTwoConnections(async (first, second) => {
    const { thrown, applied } = await contend(lockTolerantKv(first), lockTolerantKv(second));
    assert.deepEqual(thrown, []);
    assert.equal(applied, 4 * ROUNDS);
  });
});

Deno.test("a check that fails stays failed: the retry is no blind overwrite", async () => {
  await withTwoConnections(async (first, second) => {
    const kv = lockTolerantKv(first);
    await kv.set(["seed"], 0);
    const stale = await kv.get(["seed"]);
    await second.set(["seed"], 1);
    const result = await kv.atomic().check(stale).set(["seed"], 2).commit();
    assert.equal(result.ok, false);
    assert.equal((await second.get(["seed"])).value, 1);
  });
});

/** The real store, whose first list fails with the lock error after `after` entries. */
function listFailingOnce(kv: Deno.Kv, after: number): Deno.Kv {
  let failed = false;
  return new Proxy(kv, {
    get(target, property) {
      if (property !== "list") {
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
        const inner = target.list(selector, options);
        if (failed) return inner;
        failed = true;
        let yielded = 0;
        return {
          get cursor() {
            return inner.cursor;
          },
          next() {
            if (yielded++ === after) return Promise.reject(new Error("database is locked"));
            return inner.next();
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      };
    },
  });
}

Deno.test("a list that meets the lock resumes where it stood: each entry once, limit kept", async () => {
  await withTwoConnections(async (first) => {
    for (let i = 0; i < 30; i++) await first.set(["item", i], i);
    for (const reverse of [false, true]) {
      const kv = lockTolerantKv(listFailingOnce(first, 7));
      const seen: number[] = [];
      const iterator = kv.list<number>({ prefix: ["item"] }, { batchSize: 5, limit: 23, reverse });
      for await (const entry of iterator) seen.push(entry.value);
      const expected = Array.from({ length: 30 }, (_, i) => i);
      assert.deepEqual(seen, reverse ? expected.reverse().slice(0, 23) : expected.slice(0, 23));
      assert.notEqual(iterator.cursor, "");
    }
  });
});

Deno.test("errors other than the lock go up at once", async () => {
  await withTwoConnections(async (first) => {
    const kv = lockTolerantKv(first, { attempts: 3 });
    await assert.rejects(kv.set(["big"], "x".repeat(70_000)), (error: Error) => {
      assert.doesNotMatch(error.message, /locked/);
      return true;
    });
  });
});
