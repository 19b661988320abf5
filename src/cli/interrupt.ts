/**
 * Ctrl-C during a bulk command: instead of dying mid-way with nothing said, the command stops
 * after the request in hand and reports what was done. While this is in place SIGINT does not
 * end the process; `dispose` gives it back.
 */
export interface Interrupt {
  readonly requested: boolean;
  dispose(): void;
}

export function catchInterrupt(): Interrupt {
  let requested = false;
  const listener = () => {
    requested = true;
  };
  try {
    Deno.addSignalListener("SIGINT", listener);
  } catch {
    // No signals here (Windows without a console, a sandbox): Ctrl-C ends the process as usual.
    return { requested: false, dispose: () => {} };
  }
  return {
    get requested() {
      return requested;
    },
    dispose: () => Deno.removeSignalListener("SIGINT", listener),
  };
}
