import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { localDataLines, readLinesUntil, runMain, spawnMain } from "../helpers/cli.ts";
import { until } from "../helpers/wait.ts";

const CLIENT_SECRET = "cs-8f3a1c-DO-NOT-PRINT";
const HTTP_TOKEN = "tok-77c1d9-DO-NOT-PRINT-4e8a2c6b0d9f1e3a";

Deno.test({
  name:
    "a running instance: health, readiness, status and metrics with a token, the status command, and no secret anywhere",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "traceone-ops-" });
    const config = `${dir}/config.yaml`;
    await Deno.writeTextFile(
      config,
      [
        "environment: development",
        "debug: true",
        "dnb_api:",
        "  client_id: ops-client",
        `  client_secret: "${CLIENT_SECRET}"`,
        "monitoring:",
        "  polling_interval: 1",
        ...localDataLines(dir),
        "http:",
        "  port: 0",
        `  auth_token: "${HTTP_TOKEN}"`,
        "simulator:",
        "  enabled: true",
        "  port: 0",
        "  initial_backlog: 15",
        "  registrations:",
        "    - reference: OPS_REG",
        '      duns: ["081466849", "268909075"]',
      ].join("\n") + "\n",
    );
    const child = spawnMain(["run", "--config", config]);
    const stderr = readLinesUntil(child.stderr, () => false, 120_000);
    const outputs: string[] = [];
    try {
      const { lines, finished } = await readLinesUntil(
        child.stdout,
        (seen) => seen.some((l) => l.startsWith("registrations:")),
      );
      const base = /HTTP: (http:\/\/\S+?)\/? /.exec(lines.join("\n"))?.[1];
      assert.ok(base, lines.join("\n"));
      const auth = { authorization: `Bearer ${HTTP_TOKEN}` };

      assert.equal(await (await fetch(`${base}/healthz`)).text(), "ok");
      await until(
        async () => {
          const status = await (await fetch(`${base}/status`, { headers: auth })).json();
          return status.database_storage?.stored === 15 && status.local_storage?.lag_batches === 0;
        },
        "the backlog in both sinks",
        { limitMs: 60_000, intervalMs: 200 },
      );

      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      outputs.push(await ready.text());

      const refused = await fetch(`${base}/status`);
      assert.equal(refused.status, 401);
      outputs.push(await refused.text());
      const statusText = await (await fetch(`${base}/status`, { headers: auth })).text();
      outputs.push(statusText);
      const status = JSON.parse(statusText);
      for (
        const key of [
          "service",
          "authentication",
          "api_client",
          "registrations",
          "notification_handlers",
          "journal",
          "dead_letters",
          "local_storage",
          "database_storage",
        ]
      ) {
        assert.ok(key in status, `status has ${key}`);
      }
      assert.equal(status.service.simulator, true);
      assert.equal(status.registrations.items[0].reference, "OPS_REG");
      assert.equal(status.journal.notifications, 15);

      const metricsText = await (await fetch(`${base}/metrics`, { headers: auth })).text();
      outputs.push(metricsText);
      const families = parsePrometheusTextFormat(metricsText) as {
        name: string;
        metrics: { labels?: Record<string, string>; value?: string }[];
      }[];
      const names = families.map((f) => f.name);
      for (
        const name of [
          "traceone_dnb_requests_total",
          "traceone_dnb_request_duration_seconds",
          "traceone_dnb_rate_limiter_wait_seconds",
          "traceone_dnb_rate_limited_total",
          "traceone_dnb_token_refreshes_total",
          "traceone_notifications_pulled_total",
          "traceone_notifications_journaled_total",
          "traceone_sink_notifications_stored_total",
          "traceone_sink_batches_delivered_total",
          "traceone_build_info",
          "traceone_sink_lag_batches",
          "traceone_breaker_state",
          "traceone_journal_notifications",
          "process_resident_memory_bytes",
          "process_cpu_seconds_total",
          "nodejs_heap_size_used_bytes",
        ]
      ) {
        assert.ok(names.includes(name), `metrics have ${name}`);
      }
      const delivered = families.find((f) =>
        f.name === "traceone_sink_notifications_stored_total"
      )!;
      assert.equal(
        delivered.metrics.find((m) => m.labels?.sink === "database_storage")?.value,
        "15",
      );

      const cli = await runMain(["status", "--url", base], {
        env: { TRACEONE_HTTP_TOKEN: HTTP_TOKEN },
      });
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /SIMULATOR/);
      assert.match(cli.stdout, /^database_storage: healthy, 15 stored, behind 0 batch\(es\)/m);
      outputs.push(cli.stdout, cli.stderr);
      const noToken = await runMain(["status", "--url", base, "--config", config]);
      outputs.push(noToken.stdout, noToken.stderr);

      const shown = await runMain(["config", "show", "--config", config]);
      outputs.push(shown.stdout, shown.stderr);
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      await finished;
      outputs.push(...lines);
      const err = await stderr;
      await err.finished;
      outputs.push(...err.lines);
      assert.ok(
        err.lines.some((line) => line.includes("OPS_REG")),
        "the log has lines about the run to check",
      );

      const kv = await Deno.openKv(`${dir}/state.kv`);
      const tokens: string[] = [];
      for await (const entry of kv.list<{ accessToken: string }>({ prefix: ["dnb", "token"] })) {
        tokens.push(entry.value.accessToken);
      }
      kv.close();
      assert.equal(tokens.length, 1, "the D&B access token is in KV, to grep for");
      const everything = outputs.join("\n");
      for (const secret of [CLIENT_SECRET, HTTP_TOKEN, ...tokens]) {
        assert.ok(!everything.includes(secret), `a secret leaked: ${secret.slice(0, 6)}…`);
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // exited
      }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
