import assert from "node:assert/strict";
import { Secret } from "../src/model/secret.ts";
import { logger, resetLogging, setupLogging, withContext } from "../src/log.ts";
import { terminalSafe } from "../src/terminal_text.ts";

function capture(options: { debug?: boolean; format?: "json" | "text"; secrets?: string[] }) {
  const lines: string[] = [];
  setupLogging({
    debug: options.debug ?? false,
    format: options.format ?? "json",
    secrets: options.secrets,
    write: (line) => lines.push(line),
  });
  return lines;
}

Deno.test("logs are JSON lines with the category and the context's registration and sink", () => {
  const lines = capture({});
  try {
    withContext({ registration: "REG_L", sink: "local_storage" }, () => {
      logger("monitor").info("pulled {count}", { count: 3 });
    });
    logger("monitor").debug("not at info level");
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]);
    assert.equal(record.level, "INFO");
    assert.equal(record.logger, "traceone.monitor");
    assert.equal(record.message, "pulled 3");
    assert.equal(record.properties.registration, "REG_L");
    assert.equal(record.properties.sink, "local_storage");
    assert.equal(record.properties.count, 3);
  } finally {
    resetLogging();
  }
});

Deno.test("debug logging is readable text and includes debug records", () => {
  const lines = capture({ debug: true });
  try {
    logger("service").debug("delivered {n}", { n: 5 });
    assert.equal(lines.length, 1);
    assert.throws(() => JSON.parse(lines[0]));
    assert.match(lines[0], /DBG|debug/i);
    assert.match(lines[0], /delivered 5/);
  } finally {
    resetLogging();
  }
});

Deno.test("no secret reaches a log line: wrapped values print ***, known values are blanked", () => {
  const secret = new Secret("client-secret-4c1b-never");
  const lines = capture({ secrets: [secret.reveal(), "bearer-token-77aa"] });
  try {
    logger("dnb").info("config {secret}", { secret });
    logger("dnb").warn("a careless message with client-secret-4c1b-never inside");
    logger("http").error("header was Authorization: Bearer bearer-token-77aa");
    const all = lines.join("\n");
    assert.equal(lines.length, 3);
    assert.ok(!all.includes("client-secret-4c1b-never"));
    assert.ok(!all.includes("bearer-token-77aa"));
    assert.match(all, /\*\*\*/);
  } finally {
    resetLogging();
  }
});

Deno.test("text log lines and terminal output show control characters, never act on them", () => {
  const lines: string[] = [];
  setupLogging({ debug: false, format: "text", write: (line) => lines.push(line) });
  try {
    // Interpolated into the message itself, where no formatter quotes it.
    logger("test").info(`pulled ${"EVIL\x1b[2J\x1b]0;pwned\x07\u202e"}`);
  } finally {
    resetLogging();
  }
  assert.equal(lines.length, 1);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/.test(lines[0].replace(/\n$/, "")), lines[0]);
  // Shown as escapes (LogTape's or ours), so an operator still sees what was sent.
  assert.match(lines[0], /EVIL\\(x1b|u001b)\[2J/);
  assert.equal(terminalSafe("a\tb\nc\r\x9bd"), "a\tb\nc\\u000d\\u009bd");
});
