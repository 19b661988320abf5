/** Serving the simulator over real HTTP, for tests, demos and `main.ts simulate`. */
import { createSimulatorApp } from "./app.ts";
import { type SimulatorOptions, SimulatorState } from "./state.ts";
import { startTrickle } from "./trickle.ts";

export type { SimulatorOptions } from "./state.ts";
export { SimulatorState } from "./state.ts";

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  state: SimulatorState;
  /** Stops the trickle, releases hung requests and closes the server. */
  shutdown(): Promise<void>;
}

/** Rejects (rather than throws) when the port is taken or the options are inconsistent. */
export function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  try {
    return Promise.resolve(serve(options));
  } catch (error) {
    return Promise.reject(error);
  }
}

function serve(options: SimulatorOptions): RunningSimulator {
  const state = new SimulatorState(options);
  const app = createSimulatorApp(state);
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Deno.serve(
    { hostname, port: options.port ?? 0, onListen() {} },
    (request) => app.fetch(request),
  );
  const trickle = startTrickle(state, { notificationsPerMinute: state.notificationsPerMinute });
  const port = server.addr.port;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    shutdown() {
      stopping ??= (async () => {
        trickle.stop();
        state.close();
        await server.shutdown();
      })();
      return stopping;
    },
  };
}
