import assert from "node:assert/strict";
import {
  type BreakerStateChange,
  CircuitBreaker,
  CircuitOpenError,
} from "../../src/resilience/circuit_breaker.ts";

function breakerAt(clock: { now: number }, changes: BreakerStateChange[] = []) {
  return new CircuitBreaker({
    name: "dnb",
    failureThreshold: 3,
    resetTimeoutMs: 1_000,
    now: () => clock.now,
    onStateChange: (change) => changes.push(change),
  });
}

Deno.test("breaker opens after the threshold of consecutive failures and fails fast", () => {
  const clock = { now: 0 };
  const breaker = breakerAt(clock);
  for (let i = 0; i < 2; i++) {
    breaker.acquire();
    breaker.recordFailure();
  }
  assert.equal(breaker.state, "closed");
  breaker.acquire();
  breaker.recordFailure();
  assert.equal(breaker.state, "open");
  assert.throws(() => breaker.acquire(), (error: unknown) => {
    assert.ok(error instanceof CircuitOpenError);
    assert.equal(error.code, "CIRCUIT_OPEN");
    assert.equal(error.retryAt, 1_000);
    return true;
  });
});

Deno.test("a success resets the consecutive failure count", () => {
  const breaker = breakerAt({ now: 0 });
  breaker.recordFailure();
  breaker.recordFailure();
  breaker.recordSuccess();
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.state, "closed");
});

Deno.test("half-open lets exactly one trial through; success closes", () => {
  const clock = { now: 0 };
  const changes: BreakerStateChange[] = [];
  const breaker = breakerAt(clock, changes);
  for (let i = 0; i < 3; i++) breaker.recordFailure();
  clock.now = 1_000;
  breaker.acquire();
  assert.equal(breaker.state, "half_open");
  assert.throws(() => breaker.acquire(), CircuitOpenError, "a second caller waits for the trial");
  breaker.recordSuccess();
  assert.equal(breaker.state, "closed");
  breaker.acquire();
  assert.deepEqual(changes.map((c) => `${c.from}>${c.to}`), [
    "closed>open",
    "open>half_open",
    "half_open>closed",
  ]);
});

Deno.test("a failed trial reopens the breaker for another full timeout", () => {
  const clock = { now: 0 };
  const breaker = breakerAt(clock);
  for (let i = 0; i < 3; i++) breaker.recordFailure();
  clock.now = 1_500;
  breaker.acquire();
  breaker.recordFailure();
  assert.equal(breaker.state, "open");
  assert.deepEqual(breaker.snapshot(), {
    name: "dnb",
    state: "open",
    consecutiveFailures: 4,
    openedAt: 1_500,
    retryAt: 2_500,
    opens: 2,
  });
  clock.now = 2_499;
  assert.throws(() => breaker.acquire(), CircuitOpenError);
});

Deno.test("a neutral outcome frees the half-open trial without deciding", () => {
  const clock = { now: 0 };
  const breaker = breakerAt(clock);
  for (let i = 0; i < 3; i++) breaker.recordFailure();
  clock.now = 1_000;
  breaker.acquire();
  breaker.recordNeutral();
  assert.equal(breaker.state, "half_open");
  breaker.acquire();
});
