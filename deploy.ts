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
  Deno.serve({ port: deployment.port }, (request) => deployment.fetch(request));
} else {
  for (const line of prepared.lines) console.error(line);
  Deno.exitCode = 2;
}
