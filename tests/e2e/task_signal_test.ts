import assert from "node:assert/strict";
import { dirname } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const INSTALL_HINT = "apt-get install bsdutils";

/** util-linux `script` gives the child a real pseudo-terminal; Debian ships it in `bsdutils`. */
async function hasScript(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  try {
    const { success, stdout } = await new Deno.Command("script", {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return success && new TextDecoder().decode(stdout).includes("util-linux");
  } catch {
    return false;
  }
}

/**
 * A clean environment (as tests/helpers/cli.ts gives its children) in which `./denow` runs the
 * Deno running this test, so the test never installs one.
 */
function taskEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(Deno.env.toObject())) {
    if (name === "HOME" || name === "DENO_DIR" || /CERT|SSL|PROXY|CA_BUNDLE/i.test(name)) {
      env[name] = value;
    }
  }
  env.PATH = `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
  return { ...env, DENOW_USE_PATH: "1", NO_COLOR: "1", SHELL: "/bin/sh", TERM: "dumb" };
}

/** What `deno task start` runs from: the program, its configuration and the lock file. */
async function copyProject(to: string): Promise<string> {
  await Deno.mkdir(to, { recursive: true });
  const copy = new Deno.Command("cp", {
    args: ["-R", "main.ts", "deno.json", "deno.lock", "denow", "src", "config", to],
    cwd: ROOT,
  });
  assert.ok((await copy.output()).success, "copied the project");
  return await Deno.realPath(to);
}

/** Every process below `pid`, read from /proc, so a failed run can be killed by PID. */
async function descendants(pid: number): Promise<number[]> {
  const found: number[] = [];
  try {
    for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
      const children = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`);
      for (const child of children.split(" ").filter(Boolean).map(Number)) {
        found.push(child, ...await descendants(child));
      }
    }
  } catch {
    // the process is gone
  }
  return found;
}

/** Fails with `what` when `promise` takes longer than `limitMs`. */
async function within<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${limitMs} ms: ${what}`)),
          limitMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const ready = await hasScript();

Deno.test({
  name: ready
    ? "./denow task start in a pseudo-terminal: one Ctrl-C stops gracefully ('stopped', exit 0)"
    : `IGNORED, no util-linux script for a pty (${INSTALL_HINT}): ./denow task start, one Ctrl-C stops gracefully`,
  ignore: !ready,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "traceone-task-signal-" });
    // The task runs in a copy of the project, so its ./data and ./notifications (the only
    // folders the "start" permission set may write) stay out of the repository; free ports keep
    // it off a developer's instance.
    const project = await copyProject(`${dir}/project`);
    const defaults = await Deno.readTextFile(`${project}/config/default.yaml`);
    await Deno.writeTextFile(
      `${project}/config/default.yaml`,
      defaults.replace(/port: 8181/, "port: 0").replace(/port: 8080/, "port: 0"),
    );
    // `script` puts the task in the foreground process group of a new pty; a ^C written to the
    // master makes the line discipline send SIGINT to that whole group, as a terminal does.
    const child = new Deno.Command("script", {
      args: ["-qfec", "exec ./denow task start", "/dev/null"],
      cwd: project,
      env: taskEnv(),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const keyboard = child.stdin.getWriter();
    let output = "";
    let onOutput = () => {};
    const reading = (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        output += text;
        onOutput();
      }
    })();
    const errors = new Response(child.stderr).text();
    const lines = () => output.split("\n").map((line) => line.replace(/\r$/, ""));
    let exited = false;
    try {
      const waitFor = (what: string, done: (seen: string[]) => boolean) =>
        within(
          new Promise<void>((resolve) => {
            onOutput = () => done(lines()) && resolve();
            onOutput();
          }),
          90_000,
          what,
        ).catch((error) => assert.fail(`${error.message}; output so far:\n${output}`));
      await waitFor(
        'the "registrations:" line',
        (seen) => seen.some((line) => line.startsWith("registrations:")),
      );
      assert.ok(lines().includes(`state: ${project}/data/state.kv`), output);
      // Ctrl-C while the service sits idle, as a person presses it: signals that land while the
      // first tick keeps the process busy reach the listener as one, which would hide the bug.
      await waitFor(
        "the first tick of both demo registrations",
        (seen) => seen.filter((line) => /: "TRACEONE_DEMO_\w+": pulled \d+/.test(line)).length >= 2,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));

      await keyboard.write(new Uint8Array([0x03]));
      const { code } = await within(child.status, 30_000, "the exit after Ctrl-C")
        .catch((error) => assert.fail(`${error.message}; output so far:\n${output}`));
      exited = true;
      await reading;
      // The terminal echoes ^C in front of the next line.
      const seen = lines().map((line) => line.replace(/^\^C/, ""));
      const stopping = seen.findIndex((line) => line.startsWith("stopping:"));
      assert.ok(stopping >= 0, output);
      assert.ok(seen.indexOf("stopped") > stopping, output);
      assert.equal(code, 0, output);
    } finally {
      if (!exited) {
        for (const pid of [child.pid, ...await descendants(child.pid)]) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // already exited
          }
        }
        await child.status;
      }
      await keyboard.close().catch(() => {});
      await reading.catch(() => {});
      await errors;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
