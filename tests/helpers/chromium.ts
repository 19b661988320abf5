/**
 * A tiny Chrome DevTools Protocol client for browser tests: starts Debian's headless Chromium
 * with a throw-away profile, attaches to one page over a flat session and records what the page
 * reports as errors (console errors, uncaught exceptions, browser log errors such as failed loads
 * or CSP violations). No Puppeteer: it would download its own browser, and the test runs where
 * there may be no internet.
 */

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** How to get the browser where it is missing; part of the ignored test's name. */
export const CHROMIUM_INSTALL = "apt-get install chromium";

export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

export interface ViewportOptions {
  /** Emulates a phone: mobile viewport meta handling, overlay scrollbars, touch. */
  mobile?: boolean;
  deviceScaleFactor?: number;
}

export interface Browser {
  /** Navigates the page and waits for its load event. */
  open(url: string): Promise<void>;
  /** Evaluates an expression in the page, awaiting a promise; throws on a page exception. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Polls an expression until it is truthy, up to `timeoutMs`; returns its value. */
  waitFor<T = unknown>(expression: string, options?: { timeoutMs?: number }): Promise<T>;
  /** Everything the page reported as an error since launch, as readable lines. */
  consoleErrors(): string[];
  /** Saves a PNG of the whole page, or of the viewport only with `fullPage: false`. */
  screenshot(path: string, options?: { fullPage?: boolean }): Promise<void>;
  setViewport(width: number, height: number, options?: ViewportOptions): Promise<void>;
  /** Stops the browser process and removes its profile. */
  close(): Promise<void>;
}

interface CdpMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface RemoteObject {
  type?: string;
  value?: unknown;
  description?: string;
  unserializableValue?: string;
}

const COMMAND_TIMEOUT_MS = 30_000;
const LAUNCH_TIMEOUT_MS = 20_000;

export async function launchChromium(
  options: { timeoutMs?: number; executable?: string } = {},
): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "traceone-chromium-" });
  const child = new Deno.Command(options.executable ?? CHROMIUM_PATH, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Chromium is chatty on stderr (D-Bus and so on); keep the tail for a failed launch and keep
  // reading so the pipe never fills and blocks it.
  let stderrTail = "";
  const stderrDone = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderrTail = (stderrTail + decoder.decode(chunk, { stream: true })).slice(-4000);
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // it exited between the check and the kill
      }
    }
    await status;
    await stderrDone;
    await removeWithRetry(profile);
  };

  let socket: WebSocket;
  try {
    const endpoint = await devToolsEndpoint(profile, {
      timeoutMs: options.timeoutMs ?? LAUNCH_TIMEOUT_MS,
      exited: () => exited,
    });
    socket = await connect(`ws://127.0.0.1:${endpoint.port}${endpoint.path}`);
  } catch (error) {
    await stop();
    throw new Error(`Chromium did not start: ${(error as Error).message}\n${stderrTail}`);
  }
  return attach(socket, { stop });
}

async function attach(socket: WebSocket, options: { stop(): Promise<void> }): Promise<Browser> {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Set<(message: CdpMessage) => void>();
  const errors: string[] = [];
  let sessionId: string | undefined;

  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as CdpMessage;
    if (message.id !== undefined) {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.error) waiting.reject(new Error(`CDP: ${message.error.message}`));
      else waiting.resolve(message.result ?? {});
      return;
    }
    if (message.sessionId !== undefined && message.sessionId !== sessionId) return;
    recordError(message, errors);
    for (const listener of listeners) listener(message);
  };
  const closed = new Promise<void>((resolve) => {
    socket.onclose = () => {
      for (const [id, waiting] of pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error("the DevTools connection closed"));
        pending.delete(id);
      }
      resolve();
    };
  });

  function send(
    method: string,
    params: Record<string, unknown> = {},
    options: { session?: boolean; timeoutMs?: number } = {},
  ): Promise<Record<string, unknown>> {
    const id = nextId++;
    const message: CdpMessage = { id, method, params };
    if (options.session !== false && sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`CDP ${method} got no answer in time`));
      }, options.timeoutMs ?? COMMAND_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify(message));
    });
  }

  /** Resolves on the next event named `method`, rejecting after `timeoutMs`. */
  function nextEvent(
    method: string,
    timeoutMs: number,
  ): { promise: Promise<void>; cancel(): void } {
    let listener: (message: CdpMessage) => void = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      listener = (message) => {
        if (message.method !== method) return;
        listeners.delete(listener);
        clearTimeout(timer);
        resolve();
      };
      listeners.add(listener);
    });
    return {
      promise,
      cancel() {
        listeners.delete(listener);
        clearTimeout(timer);
      },
    };
  }

  try {
    const target = await send("Target.createTarget", { url: "about:blank" }, { session: false });
    const attached = await send(
      "Target.attachToTarget",
      { targetId: target.targetId, flatten: true },
      { session: false },
    );
    sessionId = String(attached.sessionId);
    await send("Page.enable");
    await send("Runtime.enable");
    await send("Log.enable");
  } catch (error) {
    socket.close();
    await closed;
    await options.stop();
    throw error;
  }

  async function evaluate<T>(expression: string): Promise<T> {
    const result = await send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const details = result.exceptionDetails as
      | { text?: string; exception?: RemoteObject }
      | undefined;
    if (details) {
      throw new Error(`page threw: ${details.exception?.description ?? details.text ?? "?"}`);
    }
    return (result.result as RemoteObject).value as T;
  }

  return {
    async open(url) {
      const loaded = nextEvent("Page.loadEventFired", COMMAND_TIMEOUT_MS);
      try {
        const navigation = await send("Page.navigate", { url });
        if (navigation.errorText) throw new Error(`navigating to ${url}: ${navigation.errorText}`);
        await loaded.promise;
      } finally {
        loaded.cancel();
      }
    },
    evaluate,
    async waitFor<T>(expression: string, options: { timeoutMs?: number } = {}): Promise<T> {
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      let last: unknown = undefined;
      while (Date.now() < deadline) {
        try {
          last = await evaluate<T>(expression);
          if (last) return last as T;
        } catch (error) {
          // A navigation in progress destroys the context the expression ran in; try again.
          last = error;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`timed out waiting for ${expression} (last: ${String(last)})`);
    },
    consoleErrors: () => [...errors],
    async screenshot(path, options = {}) {
      let params: Record<string, unknown> = { format: "png" };
      if (options.fullPage !== false) {
        const metrics = await send("Page.getLayoutMetrics");
        const size = metrics.cssContentSize as { width: number; height: number };
        params = {
          ...params,
          captureBeyondViewport: true,
          clip: {
            x: 0,
            y: 0,
            width: Math.ceil(size.width),
            height: Math.ceil(size.height),
            scale: 1,
          },
        };
      }
      const shot = await send("Page.captureScreenshot", params);
      const bytes = Uint8Array.from(atob(String(shot.data)), (char) => char.charCodeAt(0));
      await Deno.writeFile(path, bytes);
    },
    async setViewport(width, height, options = {}) {
      await send("Emulation.setDeviceMetricsOverride", {
        width,
        height,
        deviceScaleFactor: options.deviceScaleFactor ?? 1,
        mobile: options.mobile ?? false,
      });
    },
    async close() {
      if (socket.readyState === WebSocket.OPEN) {
        // A clean exit first; the kill by PID in `stop` covers a browser that hangs.
        await send("Browser.close", {}, { session: false, timeoutMs: 3_000 }).catch(() => {});
        socket.close();
      }
      await closed;
      await options.stop();
    },
  };
}

/** Turns the error-level events of the page into lines; ignores everything else. */
function recordError(message: CdpMessage, errors: string[]): void {
  const params = message.params ?? {};
  if (message.method === "Runtime.consoleAPICalled") {
    if (params.type !== "error" && params.type !== "assert") return;
    const args = (params.args as RemoteObject[] | undefined) ?? [];
    errors.push(`console.${params.type}: ${args.map(describe).join(" ")}`);
  } else if (message.method === "Runtime.exceptionThrown") {
    const details = params.exceptionDetails as { text?: string; exception?: RemoteObject };
    errors.push(`uncaught: ${details.exception?.description ?? details.text ?? "?"}`);
  } else if (message.method === "Log.entryAdded") {
    const entry = params.entry as { level?: string; source?: string; text?: string; url?: string };
    if (entry.level !== "error") return;
    errors.push(
      `${entry.source ?? "log"}: ${entry.text ?? ""}${entry.url ? ` (${entry.url})` : ""}`,
    );
  }
}

function describe(value: RemoteObject): string {
  if (value.value !== undefined) return String(value.value);
  return value.description ?? value.unserializableValue ?? value.type ?? "?";
}

/** Chromium writes `<port>\n<browser path>` into the profile once DevTools listens. */
async function devToolsEndpoint(
  profile: string,
  options: { timeoutMs: number; exited(): boolean },
): Promise<{ port: number; path: string }> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.exited()) throw new Error("the process exited");
    try {
      const [port, path] = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n");
      if (port && path?.startsWith("/devtools/")) return { port: Number(port), path: path.trim() };
    } catch {
      // not written yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no DevToolsActivePort within ${options.timeoutMs} ms`);
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no WebSocket connection to ${url}`));
    }, 10_000);
    socket.onopen = () => {
      clearTimeout(timer);
      resolve(socket);
    };
    socket.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket to ${url} failed`));
    };
  });
}

/** Chromium's helpers may still be writing to the profile for a moment after the kill. */
async function removeWithRetry(path: string): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await Deno.remove(path, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
