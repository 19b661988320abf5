/**
 * The Deno Deploy entry: `deployctl deploy --entrypoint deploy.ts` (README, "Deno Deploy").
 * Registers the cron job while the module is evaluated, as Deploy requires, and serves the HTTP
 * surface. Holds no logic: src/cli/deployment.ts builds both from the environment.
 */
import { prepareDeployment } from "./src/cli/deployment.ts";

const prepared = prepareDeployment({ get: (name) => Deno.env.get(name), cwd: Deno.cwd() });
if (prepared.ok) {
  const { deployment } = prepared;
  Deno.cron(deployment.cron.name, deployment.cron.schedule, async () => {
    await deployment.tick();
  });
  try {
    Deno.serve(
      { port: deployment.port, hostname: deployment.hostname },
      (request) => deployment.fetch(request),
    );
  } catch (error) {
    // A refused permission or a taken port: one line, as `run` says it, not a stack trace.
    console.error(`error: cannot serve HTTP: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
} else {
  for (const line of prepared.lines) console.error(line);
  Deno.exitCode = 2;
}
