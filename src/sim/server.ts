/** Serving the simulator over real HTTP, for tests, demos and `main.ts simulate`. */
import { createSimulatorApp } from "./app.ts";
import { type SimulatorOptions, SimulatorState } from "./state.ts";
import { startTcpFront } from "./tcp_front.ts";
import { startTrickle } from "./trickle.ts";

export type { SimulatorOptions } from "./state.ts";
export { SimulatorState } from "./state.ts";

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  state: SimulatorState;
  /** What `/_sim/*` requires as `Authorization: Bearer <adminToken>`. */
  adminToken: string;
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
  // The HTTP server listens on a private loopback port; clients reach it through the TCP front,
  // which can drop a connection before any byte (a lost response, dnb-direct-plus.md §7.7).
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request, info) => {
      const upstreamPort = info.remoteAddr.port;
      return app.fetch(request, { resetConnection: () => front.reset(upstreamPort) });
    },
  );
  let front: ReturnType<typeof startTcpFront>;
  try {
    front = startTcpFront({ hostname, port: options.port ?? 0, upstreamPort: server.addr.port });
  } catch (error) {
    void server.shutdown();
    throw error;
  }
  const trickle = startTrickle(state, { notificationsPerMinute: state.notificationsPerMinute });
  const port = front.port;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    adminToken: state.adminToken,
    shutdown() {
      stopping ??= (async () => {
        trickle.stop();
        state.close();
        // The HTTP server first, so released requests send their answer through the front.
        await server.shutdown();
        await front.close();
      })();
      return stopping;
    },
  };
}
