/**
 * What prom-client's default collectors measure under Deno. The first tests pin why some are
 * dropped (UNRELIABLE_UNDER_DENO): when one starts failing after a Deno upgrade, that collector
 * works now and can be let back in.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Registry, UNRELIABLE_UNDER_DENO } from "../../src/metrics/registry.ts";

function busy(ms: number): number {
  const start = performance.now();
  let spins = 0;
  while (performance.now() - start < ms) spins++;
  return spins;
}

function tick(ms = 10): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function values(registry: Registry): Promise<Map<string, number>> {
  const families = parsePrometheusTextFormat(await registry.render()) as {
    name: string;
    metrics: { value?: string; labels?: Record<string, string> }[];
  }[];
  return new Map(
    families.filter((f) => f.metrics[0]?.value !== undefined && !f.metrics[0].labels?.space)
      .map((f) => [f.name, Number(f.metrics[0].value)]),
  );
}

Deno.test("under Deno, monitorEventLoopDelay does not see a 200 ms block and no gc entries arrive", async () => {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gcEntries = 0;
  const observer = new PerformanceObserver((list) => {
    gcEntries += list.getEntries().length;
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    await tick(30);
    let garbage: unknown[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      garbage.push({ i });
      if (garbage.length > 50_000) garbage = [];
    }
    busy(200);
    await tick(30);
    assert.ok(delay.max / 1e9 < 0.1, `max ${delay.max / 1e9} s: the delay monitor works now`);
    assert.equal(gcEntries, 0, "gc entries arrive now: nodejs_gc_duration_seconds can come back");
  } finally {
    delay.disable();
    observer.disconnect();
  }
});

Deno.test("under Deno, the active handle and request lists are empty even with a server and a timer open", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("ok"),
  );
  const timer = setInterval(() => {}, 1000);
  try {
    const internals = process as unknown as {
      _getActiveHandles(): unknown[];
      _getActiveRequests(): unknown[];
    };
    assert.equal(internals._getActiveHandles().length, 0);
    assert.equal(internals._getActiveRequests().length, 0);
    assert.ok(!process.getActiveResourcesInfo().some((type) => /TCP|Server/i.test(type)));
  } finally {
    clearInterval(timer);
    await server.shutdown();
  }
});

Deno.test("the dropped collectors are absent; the kept ones measure this process", async () => {
  const registry = new Registry();
  const before = await values(registry);
  for (const name of UNRELIABLE_UNDER_DENO) assert.ok(!before.has(name), name);

  busy(150);
  const after = await values(registry);
  const cpu = after.get("process_cpu_seconds_total")! - before.get("process_cpu_seconds_total")!;
  assert.ok(cpu >= 0.1, `150 ms of work counted as ${cpu} s of CPU`);
  const parts = after.get("process_cpu_user_seconds_total")! +
    after.get("process_cpu_system_seconds_total")!;
  assert.ok(Math.abs(after.get("process_cpu_seconds_total")! - parts) < 1e-3);
  const startedAt = Date.now() / 1000 - performance.now() / 1000;
  assert.ok(Math.abs(after.get("process_start_time_seconds")! - startedAt) < 5);
  assert.ok(after.get("process_resident_memory_bytes")! > 10 * 1024 * 1024);
  assert.ok(after.get("process_open_fds")! > 0);
  assert.ok(after.get("nodejs_heap_size_used_bytes")! > 0);
  assert.ok(
    after.get("nodejs_heap_size_used_bytes")! <= after.get("nodejs_heap_size_total_bytes")!,
  );
});

Deno.test("nodejs_eventloop_lag_seconds sees a block: measured from one scrape, reported by the next", async () => {
  const registry = new Registry();
  await registry.render();
  busy(120);
  await tick();
  const lag = (await values(registry)).get("nodejs_eventloop_lag_seconds")!;
  assert.ok(lag >= 0.1, `a 120 ms block showed as ${lag} s`);
});
