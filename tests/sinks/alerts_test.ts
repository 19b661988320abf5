import assert from "node:assert/strict";
import { buildAlerts } from "../../src/alerts/alert.ts";
import type {
  AlertRule,
  EmailDestinationConfig,
  WebhookDestinationConfig,
} from "../../src/config/alerts_config.ts";
import { Secret } from "../../src/model/secret.ts";
import {
  type AlertSinkOptions,
  AlertsUnavailableError,
  createAlertSink,
  SmtpSendError,
} from "../../src/sinks/alerts/mod.ts";
import type { PipelineConfig } from "../../src/config/config.ts";
import type { Clock } from "../../src/pipeline/clock.ts";
import { DeadLetters } from "../../src/pipeline/dead_letters.ts";
import { Dispatcher } from "../../src/pipeline/dispatch.ts";
import { Journal } from "../../src/pipeline/journal.ts";
import { sinkErrorKind } from "../../src/sinks/refusals.ts";
import { type Sink, SinkRejectedError } from "../../src/sinks/sink.ts";
import { withKv } from "../helpers/kv.ts";
import { kvSentAlertLog } from "../../src/pipeline/mod.ts";
import { journaled } from "../helpers/notifications.ts";
import { until } from "../helpers/wait.ts";
import {
  SMTP_SERVER_NEEDS,
  SMTP_TEST_PASSWORD,
  SMTP_TEST_USER,
  smtpServerAvailable,
  startSmtpServer,
} from "../helpers/smtp_server.ts";
import { startWebhookReceiver } from "../helpers/webhook_receiver.ts";
import { batch, condition, rule, scoreChange, typed, update } from "../alerts/rule_fixture.ts";

const KEY = "whsec-alerts-test-0123456789";
const FAST: AlertSinkOptions = { retryBaseMs: 1, retryMaxMs: 20 };

function webhook(
  url: string,
  extra: Partial<WebhookDestinationConfig> = {},
): WebhookDestinationConfig {
  return {
    url,
    secret: new Secret(KEY),
    format: "json",
    timeout: 5,
    max_retries: 0,
    ...extra,
  };
}

function email(
  port: number,
  extra: Partial<EmailDestinationConfig["smtp"]> = {},
): EmailDestinationConfig {
  return {
    to: ["risk@example.com", "ops@example.com"],
    from: "traceone@example.com",
    smtp: {
      host: "127.0.0.1",
      port,
      secure: false,
      username: SMTP_TEST_USER,
      password: new Secret(SMTP_TEST_PASSWORD),
      ...extra,
    },
    timeout: 5,
  };
}

function scoreDrop(destinations: Parameters<typeof rule>[2]): AlertRule {
  return rule("failure-score-drop", {
    types: ["UPDATE"],
    elements: ["organization.dnbAssessment.failureScore.*"],
    condition: condition({ drops_by: 20 }),
  }, destinations);
}

function transfer(destinations: Parameters<typeof rule>[2]): AlertRule {
  return rule("ownership-change", { types: ["TRANSFER"] }, destinations);
}

const mixed = batch([
  scoreChange("804735132", 45, 20),
  scoreChange("000000002", 45, 40),
  typed("TRANSFER", "000000003"),
  update("000000004", [{ element: "organization.primaryName", previous: "A", current: "B" }]),
], { sequence: 7 });

Deno.test("alerts sink: a score drop and a TRANSFER fire their rules once each, signed", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [
      scoreDrop({ webhook: webhook(receiver.url) }),
      transfer({ webhook: webhook(receiver.url) }),
    ],
  }, FAST);
  const receipt = await sink.deliver(mixed);
  assert.equal(receipt.written, 2);
  assert.equal(receiver.received.length, 2);
  for (const request of receiver.received) {
    assert.equal(request.signatureProblem, null, "the receiver verifies every signature");
    assert.match(request.signature ?? "", /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(request.json?.id, request.alertId);
  }
  const [drop, owner] = receiver.received.map((r) => r.json!);
  assert.equal(drop.rule, "failure-score-drop");
  assert.equal(drop.registration, "TRACEONE_DEMO");
  assert.equal(drop.batch_sequence, 7);
  const matches = drop.matches as Record<string, unknown>[];
  assert.equal(matches.length, 1);
  assert.equal(matches[0].duns, "804735132");
  assert.equal(matches[0].summary, "failure score 45 → 20 (−25)");
  assert.equal(matches[0].notification_id, mixed.notifications[0].id);
  assert.equal(owner.rule, "ownership-change");
  assert.equal((owner.matches as unknown[]).length, 1);
  assert.notEqual(drop.id, owner.id);
  await sink.close();
});

Deno.test("alerts sink: a re-delivered batch keeps its ids; after a crash they are re-sent the same", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const config = {
    rules: [
      scoreDrop({ webhook: webhook(receiver.url) }),
      transfer({ webhook: webhook(receiver.url) }),
    ],
  };
  const first = createAlertSink(config, FAST);
  await first.deliver(mixed);
  const ids = receiver.acceptedIds();
  assert.deepEqual(ids, buildAlerts(config.rules, mixed).map((a) => a.id));

  // The same process: what was sent is not sent again.
  const again = await first.deliver(mixed);
  assert.equal(again.written, 0);
  assert.equal(receiver.received.length, 2);

  // A new process (after kill -9) knows nothing, so it sends again: with the same ids, which
  // the receiver de-duplicates on.
  const afterCrash = createAlertSink(config, FAST);
  await afterCrash.deliver(mixed);
  assert.deepEqual(receiver.acceptedIds(), [...ids, ...ids]);
  assert.equal(new Set(receiver.acceptedIds()).size, 2, "de-dupable: two distinct ids, each twice");
  await first.close();
  await afterCrash.close();
});

Deno.test("alerts sink on the service's KV log: after a crash and a replay of the batch, nothing fires twice", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const config = {
    rules: [
      scoreDrop({ webhook: webhook(receiver.url) }),
      transfer({ webhook: webhook(receiver.url) }),
    ],
  };
  await withKv(async (kv) => {
    const first = createAlertSink(config, { ...FAST, sentLog: kvSentAlertLog(kv) });
    await first.deliver(mixed);
    assert.equal(receiver.received.length, 2);
    // kill -9: the process and its memory are gone; the KV file stays.
    const afterCrash = createAlertSink(config, { ...FAST, sentLog: kvSentAlertLog(kv) });
    const replayed = await afterCrash.deliver(mixed);
    assert.equal(replayed.written, 0);
    assert.equal(receiver.received.length, 2, "the receiver got each alert once");
    await first.close();
    await afterCrash.close();
  });
});

Deno.test("alerts sink: digest mode sends 10 matches in one call", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({ rules: [scoreDrop({ webhook: webhook(receiver.url) })] }, FAST);
  const ten = batch(
    Array.from({ length: 10 }, (_, i) => scoreChange(String(800_000_000 + i), 70, 30)),
  );
  await sink.deliver(ten);
  assert.equal(receiver.received.length, 1);
  assert.equal((receiver.received[0].json!.matches as unknown[]).length, 10);
  await sink.close();
});

Deno.test("alerts sink: digest false sends one call per notification", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const perNotification = { ...scoreDrop({ webhook: webhook(receiver.url) }), digest: false };
  const sink = createAlertSink({ rules: [perNotification] }, FAST);
  await sink.deliver(batch([scoreChange("000000001", 70, 30), scoreChange("000000002", 70, 30)]));
  assert.equal(receiver.received.length, 2);
  assert.notEqual(receiver.received[0].alertId, receiver.received[1].alertId);
  await sink.close();
});

Deno.test("alerts sink: a 500 is an outage thrown to the pipeline; the retry succeeds with the same id", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(receiver.url, { max_retries: 1 }) })],
  }, FAST);
  receiver.respondWith(500, { status: 502, body: "bad gateway" });
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof AlertsUnavailableError, String(error));
  assert.equal(sinkErrorKind(error), "outage");
  assert.match(error.message, /after 2 attempt\(s\): HTTP 502: bad gateway/);
  assert.equal(receiver.received.length, 2, "max_retries: 1 is two attempts");
  assert.equal(sink.health().status, "degraded");
  const [status] = sink.alertStatus();
  assert.equal(status.destinations[0].state, "failed");

  await sink.deliver(mixed);
  assert.equal(receiver.received.length, 3);
  assert.equal(new Set(receiver.received.map((r) => r.alertId)).size, 1);
  assert.equal(sink.alertStatus()[0].destinations[0].state, "sent");
  assert.equal(sink.health().status, "healthy");
  await sink.close();
});

Deno.test("alerts sink: 503 and 429 are retried within one delivery", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(receiver.url, { max_retries: 3 }) })],
  }, FAST);
  receiver.respondWith(503, { status: 429, headers: { "retry-after": "0" } });
  const receipt = await sink.deliver(mixed);
  assert.equal(receipt.written, 1);
  assert.deepEqual(receiver.received.map((r) => r.status), [503, 429, 200]);
  await sink.close();
});

Deno.test("alerts sink: a 400 is a refusal naming the alert's notifications, secret masked", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(receiver.url, { max_retries: 3 }) })],
  }, FAST);
  receiver.respondWith({ status: 400, body: `{"error":"bad payload, your key ${KEY} is wrong"}` });
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof SinkRejectedError, String(error));
  assert.equal(sinkErrorKind(error), "refusal");
  assert.equal(error.sink, "alerts");
  assert.deepEqual(error.rejected.map((r) => r.id), [mixed.notifications[0].id]);
  assert.match(error.rejected[0].reason, /HTTP 400/);
  assert.equal(receiver.received.length, 1, "a 400 is not retried");
  assert.doesNotMatch(error.message + error.rejected[0].reason, new RegExp(KEY));
  assert.match(error.rejected[0].reason, /your key \*\*\* is wrong/);
  assert.equal(sink.alertStatus()[0].destinations[0].state, "refused");
  await sink.close();
});

Deno.test("alerts sink: 401 and redirects wait (outage), redirects are never followed", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(receiver.url, { max_retries: 3 }) })],
  }, FAST);
  receiver.respondWith(401, { status: 302, headers: { location: `${receiver.url}/elsewhere` } });
  for (const pattern of [/refuses the request.*HTTP 401/, /redirects \(HTTP 302\)/]) {
    const error = await sink.deliver(mixed).then(() => null, (e) => e);
    assert.ok(error instanceof AlertsUnavailableError, String(error));
    assert.equal(sinkErrorKind(error), "outage");
    assert.match(error.message, pattern);
  }
  assert.equal(receiver.received.length, 2, "neither retried at once, the redirect not followed");
  await sink.close();
});

Deno.test("alerts sink: an unreachable receiver is an outage; the URL's path is not shown", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const url = `http://127.0.0.1:${port}/services/T000/B000/token-in-path-xyz`;
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(url, { max_retries: 1 }) })],
  }, FAST);
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof AlertsUnavailableError, String(error));
  assert.match(error.message, /cannot connect/);
  assert.doesNotMatch(error.message, /token-in-path-xyz/);
  assert.match(error.message, new RegExp(`http://127.0.0.1:${port}`));
  await sink.close();
});

Deno.test("alerts sink: a receiver slower than timeout is an outage, retried", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(receiver.url, { timeout: 0.2, max_retries: 1 }) })],
  }, FAST);
  receiver.respondWith({ status: 200, delayMs: 600 }, { status: 200, delayMs: 600 });
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof AlertsUnavailableError, String(error));
  assert.match(error.message, /after 2 attempt\(s\): no answer within 0.2 s/);
  await sink.close();
});

Deno.test("alerts sink: loading it needs no env permission (nodemailer loads at the first e-mail)", async () => {
  const root = new URL("../../", import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "traceone_alerts_" });
  try {
    const script = `${dir}/load.ts`;
    await Deno.writeTextFile(
      script,
      `import { createAlertSink } from ${
        JSON.stringify(new URL("src/sinks/alerts/mod.ts", root).href)
      };\n` +
        `await createAlertSink({ rules: [] }).close();\nconsole.log("loaded");\n`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--config",
        new URL("deno.json", root).pathname,
        `--allow-read=${new URL(".", root).pathname},${dir}`,
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    assert.equal(new TextDecoder().decode(output.stdout).trim(), "loaded");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts sink: slack format is a Slack-shaped body, sent unsigned without a secret", async () => {
  await using receiver = startWebhookReceiver(null);
  const sink = createAlertSink({
    rules: [transfer({ webhook: webhook(receiver.url, { format: "slack", secret: null }) })],
  }, FAST);
  await sink.deliver(mixed);
  const [request] = receiver.received;
  assert.equal(request.signature, null);
  assert.match(String(request.json!.text), /ownership-change: 1 match in TRACEONE_DEMO/);
  assert.ok(Array.isArray(request.json!.blocks));
  assert.equal(request.alertId, buildAlerts([transfer({})], mixed)[0].id);
  await sink.close();
});

Deno.test("alerts sink: a batch no rule matches sends nothing", async () => {
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({ rules: [scoreDrop({ webhook: webhook(receiver.url) })] }, FAST);
  const receipt = await sink.deliver(batch([typed("DELETE", "000000009")]));
  assert.equal(receipt.written, 0);
  assert.equal(receiver.received.length, 0);
  assert.deepEqual(sink.alertStatus()[0].lastFiredAt, null);
  await sink.close();
});

const ignore = !smtpServerAvailable();

function smtpTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name: `alerts sink: ${name} (${SMTP_SERVER_NEEDS})`, ignore, fn });
}

smtpTest(
  "the digest e-mail arrives with the alert id header and the rule in the subject",
  async () => {
    await using smtp = await startSmtpServer();
    const sink = createAlertSink({ rules: [scoreDrop({ email: email(smtp.port) })] }, FAST);
    const ten = batch(
      Array.from({ length: 10 }, (_, i) => scoreChange(String(800_000_000 + i), 70, 30)),
    );
    const receipt = await sink.deliver(ten);
    assert.equal(receipt.written, 1);
    assert.equal(smtp.messages.length, 1);
    const [mail] = smtp.messages;
    const [alert] = buildAlerts([scoreDrop({})], ten);
    assert.equal(mail.user, SMTP_TEST_USER);
    assert.equal(mail.from, "traceone@example.com");
    assert.deepEqual(mail.to, ["risk@example.com", "ops@example.com"]);
    assert.match(mail.raw, new RegExp(`^X-TraceOne-Alert-Id: ${alert.id}\\r?$`, "im"));
    assert.equal(mail.headers.get("x-traceone-alert-id"), alert.id);
    const subject = mail.headers.get("subject") ?? "";
    assert.match(subject, /failure-score-drop/);
    assert.match(subject, new RegExp(alert.id));
    assert.match(mail.raw, /multipart\/alternative/);
    assert.match(mail.raw, /text\/html/);
    const status = sink.alertStatus()[0];
    assert.equal(status.lastAlertId, alert.id);
    assert.equal(status.destinations[0].destination, "email");
    assert.equal(status.destinations[0].state, "sent");
    await sink.close();
  },
);

smtpTest("a wrong SMTP password is an outage whose message never holds it", async () => {
  await using smtp = await startSmtpServer();
  const wrong = "wrong-smtp-password-42";
  const sink = createAlertSink({
    rules: [scoreDrop({ email: email(smtp.port, { password: new Secret(wrong) }) })],
  }, FAST);
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof AlertsUnavailableError, String(error));
  assert.equal(sinkErrorKind(error), "outage");
  assert.match(error.message, /refused the login of user "traceone-alerts"/);
  assert.doesNotMatch(error.message, new RegExp(wrong));
  assert.doesNotMatch(error.message, new RegExp(SMTP_TEST_PASSWORD));
  assert.doesNotMatch(JSON.stringify(sink.alertStatus()), new RegExp(wrong));
  assert.equal(smtp.messages.length, 0);
  await sink.close();
});

smtpTest("webhook sent, e-mail failed: the retry sends only the e-mail", async () => {
  await using smtp = await startSmtpServer();
  await using receiver = startWebhookReceiver(KEY);
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook(receiver.url), email: email(smtp.port) })],
  }, FAST);
  smtp.failNextData(451);
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof AlertsUnavailableError, String(error));
  assert.match(error.message, /1 alert message\(s\) not sent yet \(1 sent\)/);
  assert.equal(receiver.received.length, 1);
  assert.equal(smtp.messages.length, 0);

  const receipt = await sink.deliver(mixed);
  assert.equal(receipt.written, 1);
  assert.equal(receiver.received.length, 1, "the webhook is not sent again");
  assert.equal(smtp.messages.length, 1);
  assert.equal(smtp.messages[0].headers.get("x-traceone-alert-id"), receiver.received[0].alertId);
  await sink.close();
});

smtpTest("an SMTP 554 on the message is a refusal", async () => {
  await using smtp = await startSmtpServer();
  const sink = createAlertSink({ rules: [transfer({ email: email(smtp.port) })] }, FAST);
  smtp.failNextData(554);
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof SinkRejectedError, String(error));
  assert.deepEqual(error.rejected.map((r) => r.id), [mixed.notifications[2].id]);
  await sink.close();
});

smtpTest("an SMTP server that is down is an outage", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const sink = createAlertSink({ rules: [transfer({ email: email(port) })] }, FAST);
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.ok(error instanceof AlertsUnavailableError, String(error));
  assert.match(error.message, new RegExp(`127.0.0.1:${port} did not take the e-mail`));
  await sink.close();
});

Deno.test("alerts sink: delivering after close is an outage", async () => {
  const sink = createAlertSink({ rules: [] });
  await sink.close();
  const error = await sink.deliver(mixed).then(() => null, (e) => e);
  assert.equal(sinkErrorKind(error), "outage");
  assert.equal(error.code, "ALERTS_SINK_CLOSED");
});

Deno.test("alerts sink: name and status shape", () => {
  const sink = createAlertSink({
    rules: [scoreDrop({ webhook: webhook("https://hooks.example.com/x"), email: email(25) })],
  });
  assert.equal(sink.name, "alerts");
  assert.deepEqual(sink.alertStatus(), [{
    rule: "failure-score-drop",
    lastFiredAt: null,
    lastAlertId: null,
    destinations: ["webhook", "email"].map((destination) => ({
      destination,
      state: "never",
      sent: 0,
      failures: 0,
      lastSentAt: null,
      lastAlertId: null,
      lastError: null,
    })),
  }]);
});

// The pipeline's side: the alerts sink gets its own cursor, retries and dead letters.

const PIPELINE: PipelineConfig = {
  sink_retry_base_delay: 1,
  sink_retry_max_delay: 60,
  sink_failure_threshold: 5,
  sink_reset_timeout: 30,
  dead_letter_after: 3,
  shutdown_timeout: 2,
  lease_ttl: 60,
};

function simulatedClock(): Clock {
  let now = Date.parse("2026-11-27T09:00:00Z");
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      now += ms;
      await new Promise((resolve) => setTimeout(resolve, 0));
      signal?.throwIfAborted();
    },
  };
}

async function pipelineWith(kv: Deno.Kv, sink: Sink) {
  const journal = new Journal(kv);
  const clock = simulatedClock();
  const dispatcher = new Dispatcher({
    kv,
    journal,
    deadLetters: new DeadLetters(kv),
    config: PIPELINE,
    clock,
    random: () => 0.999,
    idlePollMs: 5,
  });
  await dispatcher.addSink(sink);
  const append = async (notifications: Parameters<typeof journaled>[1]) => {
    const items = journaled("TRACEONE_DEMO", notifications);
    await journal.append("TRACEONE_DEMO", {
      notifications: items,
      pulledAt: new Date(clock.now()),
      source: "pull",
    });
    dispatcher.notify();
    return items.map((item) => item.id);
  };
  return { dispatcher, append };
}

Deno.test("alerts sink in the pipeline: an outage keeps the cursor, the retry sends the same id", async () => {
  await withKv(async (kv) => {
    await using receiver = startWebhookReceiver(KEY);
    const sink = createAlertSink({ rules: [transfer({ webhook: webhook(receiver.url) })] }, FAST);
    const { dispatcher, append } = await pipelineWith(kv, sink);
    await append([typed("TRANSFER", "804735132")]);
    receiver.respondWith(503);
    assert.equal((await dispatcher.deliverPending()).alerts.current, false);
    assert.equal(await dispatcher.acknowledged("TRACEONE_DEMO"), 0);
    assert.equal((await dispatcher.deliverPending()).alerts.current, true);
    assert.equal(await dispatcher.acknowledged("TRACEONE_DEMO"), 1);
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[0].alertId, receiver.received[1].alertId);
    assert.equal((await new DeadLetters(kv).list()).length, 0, "an outage is never dead-lettered");
    await sink.close();
  });
});

Deno.test("alerts sink in the pipeline: a refused alert's notification goes to the alerts dead letters", async () => {
  await withKv(async (kv) => {
    await using receiver = startWebhookReceiver(KEY);
    const sink = createAlertSink({ rules: [transfer({ webhook: webhook(receiver.url) })] }, FAST);
    const { dispatcher, append } = await pipelineWith(kv, sink);
    const ids = await append([typed("TRANSFER", "804735132"), typed("DELETE", "000000002")]);
    receiver.respondWith(400, 400, 400);
    dispatcher.start();
    try {
      await until(
        async () => await dispatcher.acknowledged("TRACEONE_DEMO") === 1,
        "the alerts cursor to move past the refused batch",
      );
    } finally {
      await dispatcher.stop();
    }
    const letters = await new DeadLetters(kv).list();
    assert.deepEqual(letters.map((l) => [l.sink, l.notificationId]), [["alerts", ids[0]]]);
    assert.equal(receiver.received.length, PIPELINE.dead_letter_after);
    await sink.close();
  });
});

Deno.test("alerts sink: SMTP replies sorted into outage and refusal; echoed passwords masked", async () => {
  const password = "pässword-ünicode-42";
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(password)));
  const cases: [SmtpSendError, "outage" | "refusal"][] = [
    [new SmtpSendError("421 try later", { code: "EENVELOPE", responseCode: 421 }), "outage"],
    [new SmtpSendError("550 no such user", { code: "EENVELOPE", responseCode: 550 }), "refusal"],
    [new SmtpSendError("552 too big", { code: "EMESSAGE", responseCode: 552 }), "refusal"],
    [new SmtpSendError(`535 bad ${base64}`, { code: "EAUTH", responseCode: 535 }), "outage"],
    [
      new SmtpSendError(`reset, sent ${password}`, { code: "ESOCKET", responseCode: null }),
      "outage",
    ],
  ];
  for (const [failure, kind] of cases) {
    const sink = createAlertSink({
      rules: [transfer({ email: email(25, { password: new Secret(password) }) })],
    }, {
      mailer: () => ({
        send: () => Promise.reject(failure),
        close() {},
      }),
    });
    const error = await sink.deliver(mixed).then(() => null, (e) => e);
    assert.equal(sinkErrorKind(error), kind, failure.message);
    const text = error instanceof SinkRejectedError
      ? error.rejected.map((r) => r.reason).join()
      : error.message;
    assert.doesNotMatch(text, new RegExp(`${password}|${base64.replace(/[+/=]/g, "\\$&")}`));
    await sink.close();
  }
});
