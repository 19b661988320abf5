import assert from "node:assert/strict";
import { dashboardRoutes } from "../../src/http/dashboard_routes.tsx";
import { FixtureProvider, knownDashboard } from "../helpers/dashboard_fixture.ts";

async function page(provider = new FixtureProvider()): Promise<string> {
  const response = await dashboardRoutes(provider).request("/");
  assert.equal(response.status, 200);
  return await response.text();
}

function section(html: string, name: string): string {
  const start = html.indexOf(`data-section="${name}"`);
  assert.ok(start >= 0, `a ${name} section`);
  return html.slice(start, html.indexOf("</section>", start));
}

Deno.test("the Alerts panel shows each rule: when it last fired, and each destination's state and error", async () => {
  const data = knownDashboard();
  const alerts = section(await page(), "alerts");
  assert.match(alerts, /data-total="2"/);
  assert.match(alerts, /2 rules, 2 fired/);
  for (const rule of data.alerts) {
    assert.match(alerts, new RegExp(`data-alert-rule="${rule.rule}"`));
  }
  assert.match(alerts, /data-destination="webhook" data-state="sent"/);
  assert.match(alerts, /data-destination="email" data-state="failed"/);
  assert.match(alerts, /email: failed, 2 sent/);
  assert.match(alerts, /smtp\.example\.com:587 is unreachable/);
  assert.match(alerts, /dashboard only/, "a rule with destinations: {}");
});

Deno.test("the Subject changes panel lists the audit log's entries; both panels say when there is nothing", async () => {
  const changes = section(await page(), "subject-changes");
  assert.match(changes, /added 12 \(sync \(scheduled\)\)/);
  assert.match(changes, /TRACEONE_DEMO_SUPPLIERS/);
  assert.match(changes, /268909075, 804735132/);

  const provider = new FixtureProvider();
  provider.data = { ...provider.data, alerts: [], subjectChanges: [] };
  const empty = await page(provider);
  assert.match(section(empty, "alerts"), /no rules under alerts:/);
  assert.match(section(empty, "subject-changes"), /None yet\./);
});
