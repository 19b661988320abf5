import assert from "node:assert/strict";
import { LocalWriteError } from "../../src/sinks/local.ts";
import {
  asRejection,
  SINK_ERROR_TABLE,
  sinkErrorKind,
  sinkErrorRule,
} from "../../src/sinks/refusals.ts";
import { SftpStatusError } from "../../src/sinks/sftp/session.ts";
import { SinkRejectedError } from "../../src/sinks/sink.ts";

/** The error the OS really gives for a name over 255 bytes. */
async function nameTooLong(): Promise<unknown> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_refusals_" });
  try {
    return await Deno.writeTextFile(`${dir}/${"n".repeat(300)}`, "x").then(() => null, (e) => e);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function osError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function httpError(status: number): Error {
  return Object.assign(new Error(`store answered ${status}`), { httpStatus: status });
}

Deno.test("the table: refusals are what can never succeed, everything else waits", async () => {
  const tooLong = await nameTooLong();
  assert.equal((tooLong as { code?: string }).code, "ENAMETOOLONG");
  const cases: [unknown, "outage" | "refusal"][] = [
    [new SinkRejectedError("s", [{ id: "a", reason: "NUL byte" }]), "refusal"],
    [tooLong, "refusal"],
    // As the local sink wraps it: the OS code is found down the cause chain.
    [new LocalWriteError("/x/y", tooLong), "refusal"],
    [osError("EILSEQ", "Invalid or incomplete multibyte or wide character"), "refusal"],
    [osError("EACCES", "Permission denied (os error 13)"), "refusal"],
    [osError("EPERM", "Operation not permitted (os error 1)"), "refusal"],
    [
      new Error("wrapped", { cause: new SftpStatusError("permission_denied", "/in", "denied") }),
      "refusal",
    ],
    [httpError(400), "refusal"],
    [httpError(404), "refusal"],
    [httpError(413), "refusal"],
    [httpError(401), "outage"],
    [httpError(403), "outage"],
    [httpError(429), "outage"],
    [httpError(408), "outage"],
    [httpError(503), "outage"],
    [osError("ENOSPC", "No space left on device (os error 28)"), "outage"],
    [osError("EROFS", "Read-only file system"), "outage"],
    [osError("ECONNREFUSED", "connection refused"), "outage"],
    [new SftpStatusError("failure", "/in/x", "Failure"), "outage"],
    [new Error("anything else"), "outage"],
    ["a string thrown", "outage"],
  ];
  for (const [error, kind] of cases) {
    assert.equal(sinkErrorKind(error), kind, String((error as Error)?.message ?? error));
  }
  // Every row is reachable and explains itself.
  for (const rule of SINK_ERROR_TABLE) {
    assert.ok(rule.why.length > 10 && rule.matches.length > 3);
    assert.ok(
      cases.some(([error]) => sinkErrorRule(error) === rule),
      `no case for row "${rule.matches}"`,
    );
  }
});

Deno.test("a refusal that is no SinkRejectedError refuses the whole batch, with the reason", async () => {
  const rejection = asRejection(new LocalWriteError("/base/x", await nameTooLong()), {
    sink: "local_storage",
    ids: ["a", "b"],
  });
  assert.ok(rejection instanceof SinkRejectedError);
  assert.equal(rejection.sink, "local_storage");
  assert.deepEqual(rejection.rejected.map((r) => r.id), ["a", "b"]);
  assert.match(rejection.rejected[0].reason, /too long for the file system: .*os error 36/);
  assert.equal(asRejection(osError("ENOSPC", "full"), { sink: "s", ids: ["a"] }), null);
  const own = new SinkRejectedError("s", [{ id: "a", reason: "r" }]);
  assert.equal(asRejection(own, { sink: "s", ids: ["a", "b"] }), own);
});
