/**
 * The company page over a real SQLite database the SQL sink filled: the current state above the
 * timeline, structured changes as field-level differences, everything escaped, no inline script.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/database.ts";
import { createNotificationStore } from "../../src/db/notification_store.ts";
import { createDashboardSource, type PipelineView } from "../../src/http/dashboard_provider.ts";
import { dashboardRoutes } from "../../src/http/dashboard_routes.tsx";
import { Secret } from "../../src/model/secret.ts";
import { OTHER_DUNS, SEED_DUNS, storeScenario } from "../sinks/company_state_scenario.ts";

/** The company page asks the pipeline only whether it talks to the simulator. */
const PIPELINE = {
  status: () => Promise.resolve({ service: { simulator: false } }),
} as unknown as PipelineView;

const HOSTILE = `{"type": "UPDATE", "organization": {"duns": "${OTHER_DUNS}"}, "elements": [` +
  `{"element": "organization.primaryName", "previous": null,` +
  ` "current": "<script>alert(1)</script> & Co"},` +
  `{"element": "organization.tradeStyleNames", "previous": [{"name": "Old"}],` +
  ` "current": [{"name": "Old"}, {"name": "<b>New</b>"}]}],` +
  ` "deliveryTimeStamp": "2024-03-08T08:00:00.000Z"}`;

async function withPage(
  run: (page: (duns: string) => Promise<{ response: Response; text: string }>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_company_page_" });
  await storeScenario(`${dir}/page.db`, HOSTILE);
  const database = await openDatabase({
    enabled: true,
    url: new Secret(`sqlite:${dir}/page.db`),
    pool_size: 1,
    migrate_on_start: false,
  });
  try {
    const source = createDashboardSource({
      pipeline: PIPELINE,
      store: createNotificationStore(database),
    });
    const app = dashboardRoutes(source);
    await run(async (duns) => {
      const response = await app.request(`/duns/${duns}`);
      return { response, text: await response.text() };
    });
  } finally {
    await database.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The markup from `opening` to the end of its section. */
function section(text: string, id: string): string {
  const start = text.indexOf(`aria-labelledby="${id}"`);
  assert.ok(start >= 0, `no section ${id}`);
  return text.slice(start, text.indexOf("</section>", start));
}

Deno.test("company page: the current state above the timeline, structured changes as a diff", async () => {
  await withPage(async (page) => {
    const { response, text } = await page(SEED_DUNS);
    assert.equal(response.status, 200);
    assert.ok(text.indexOf('id="state-heading"') < text.indexOf('id="timeline-heading"'));
    const state = section(text, "state-heading");
    assert.match(state, /data-company-status="deleted"[^>]*>Deleted</);
    assert.match(state, /since 2024-03-06 08:00 UTC/);
    // The current name, not the older one delivered late, and the name in the page head.
    assert.match(
      state,
      /<tr data-path="organization.primaryName" data-notification="b1[0]{30}">.*?Gorman Mfg/s,
    );
    assert.doesNotMatch(state, /Old Name/);
    assert.match(text, /<p class="company-name">Gorman Mfg<\/p>/);
    assert.match(state, /data-path="organization.dnbAssessment.failureScore.nationalPercentile"/);
    // D&B's spelling of numbers survives into the page.
    assert.match(state, /2\.2171E7/);

    const timeline = section(text, "timeline-heading");
    // numberOfEmployees is an array of objects: one member changed, shown as such.
    const employees = timeline.slice(
      timeline.indexOf('data-element="organization.numberOfEmployees"'),
    );
    assert.match(
      employees,
      /<li data-change="changed" data-path="\[0\]\.value"[^>]*>.*?"was"\s*>120<.*?"now"\s*>125</s,
    );
    assert.doesNotMatch(employees.slice(0, employees.indexOf("</li></ul>")), /Actual/);
    // A scalar change stays previous → current.
    assert.match(timeline, /"was"\s*>80<.*?"now"\s*>42</s);

    // The page keeps its CSP and has no inline script.
    assert.match(response.headers.get("content-security-policy") ?? "", /script-src/);
    assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

Deno.test("company page: values from D&B are escaped in the state and in the diff", async () => {
  await withPage(async (page) => {
    const { text } = await page(OTHER_DUNS);
    const state = section(text, "state-heading");
    assert.match(state, /data-company-status="transferred"/);
    assert.match(state, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; Co/);
    assert.doesNotMatch(text, /<script>alert/);
    assert.doesNotMatch(text, /<b>New<\/b>/);
    assert.match(
      section(text, "timeline-heading"),
      /<li data-change="added" data-path="\[1\]"[^>]*>.*?added.*?"now"\s*>\{&quot;name&quot;:&quot;&lt;b&gt;New&lt;\/b&gt;&quot;\}</s,
    );
  });
});

Deno.test("company page: a DUNS without state shows the timeline alone", async () => {
  await withPage(async (page) => {
    const { response, text } = await page("000000001");
    assert.equal(response.status, 200);
    assert.doesNotMatch(text, /id="state-heading"/);
    assert.match(text, /The SQL sink holds nothing for this DUNS/);
  });
});
