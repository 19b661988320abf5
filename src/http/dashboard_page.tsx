// deno-lint-ignore-file jsx-key -- rendered once on the server: nothing reconciles lists, and
// hono would print a `key` as an HTML attribute.
/**
 * The main dashboard: the health card (what `/readyz` says and what it counts), notifications
 * per hour by type over a chosen range, D&B request rates, registrations, dead letters, replay
 * gaps, the journal, each sink's lag and errors, and the latest notifications. `DashboardContent`
 * is the part that refreshes itself: the full page wraps it, the fragment route sends it alone.
 */
import { AlertsSection, SubjectChangesSection } from "./dashboard_activity.tsx";
import { LineChart, StackedBarChart, type Tick, typeColor } from "./charts.tsx";
import {
  type ApiSample,
  type ApiView,
  type DashboardData,
  HOUR_RANGES,
  type HourlyCounts,
  type HourRange,
  type NotificationView,
  type RegistrationView,
  type SinkView,
} from "./dashboard_data.ts";
import {
  DeadLettersSection,
  domId,
  GapsSection,
  JournalSection,
  ShortText,
} from "./dashboard_problems.tsx";
import {
  BreakerPill,
  ChangeList,
  companyHref,
  formatCount,
  formatUtc,
  Layout,
  StatusPill,
  Time,
  TypeBadge,
} from "./layout.tsx";

export interface DashboardPageProps {
  data: DashboardData;
  /** Prefix of the dashboard's routes, `""` at the root. */
  basePath: string;
  /** The hourly chart's range, from `?hours=`. */
  hours: HourRange;
  refreshSeconds: number;
  fragmentUrl: string;
}

/** Changed elements shown per notification before the rest fold away. */
const VISIBLE_CHANGES = 6;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Series colours of the line charts; errors are dashed too, so they differ without colour. */
const LINE_COLORS = {
  lag: "#3156d3",
  requests: "#3156d3",
  rateLimited: "#e08a00",
  errors: "#d1432f",
};

export function DashboardPage(props: DashboardPageProps) {
  return (
    <Layout
      title="Dashboard · TraceOne Monitor"
      simulator={props.data.simulator}
      basePath={props.basePath}
      subtitle={`${props.data.environment} · v${props.data.version}`}
      live={{ refreshSeconds: props.refreshSeconds, fragmentUrl: props.fragmentUrl }}
    >
      <DashboardContent data={props.data} basePath={props.basePath} hours={props.hours} />
    </Layout>
  );
}

/** Everything inside `#live`; also the body of the fragment the page refreshes itself with. */
export function DashboardContent(
  props: { data: DashboardData; basePath: string; hours: HourRange },
) {
  const { data } = props;
  return (
    <div class="dashboard" data-generated-at={data.generatedAt}>
      <div class="page-head">
        <h1>Dashboard</h1>
        <p>
          Updated <Time iso={data.generatedAt} />
        </p>
      </div>
      <Summary data={data} />
      <HourlySection hourly={data.hourly} basePath={props.basePath} hours={props.hours} />
      <div class="grid two">
        <ApiSection api={data.api} sampleSeconds={data.sampleSeconds} />
        <RegistrationsSection registrations={data.registrations} now={data.generatedAt} />
      </div>
      <DeadLettersSection data={data} basePath={props.basePath} />
      <div class="grid two">
        <GapsSection gaps={data.gaps} />
        <JournalSection journal={data.journal} now={data.generatedAt} />
      </div>
      <div class="grid two">
        <AlertsSection alerts={data.alerts} />
        <SubjectChangesSection changes={data.subjectChanges} />
      </div>
      <SinksSection sinks={data.sinks} sampleSeconds={data.sampleSeconds} />
      <LatestSection latest={data.latest} now={data.generatedAt} basePath={props.basePath} />
    </div>
  );
}

function Summary(props: { data: DashboardData }) {
  const { data } = props;
  const perHour = hourTotals(data.hourly);
  const total = perHour.reduce((sum, count) => sum + count, 0);
  const lastHour = perHour.at(-1) ?? 0;
  const ticks = data.registrations.map((r) => r.lastTick).filter((t): t is string => t !== null)
    .sort();
  const lastTick = ticks.at(-1);
  return (
    <section aria-labelledby="summary-heading">
      <h2 id="summary-heading" class="visually-hidden">Status summary</h2>
      <HealthCard data={data} />
      <div class="grid summary">
        <div class="card" data-summary="notifications">
          <p class="stat-label">{`Notifications · ${data.hourly.hours.length} h`}</p>
          <p class="stat-big" style="margin:0">{formatCount(total)}</p>
          <p class="stat-note">{`${formatCount(lastHour)} in the latest hour`}</p>
        </div>
        <div class="card" data-summary="breakers">
          <p class="stat-label">Breakers</p>
          <ul class="list-plain">
            <li>
              <span class="name">D&amp;B Direct+</span>
              <BreakerPill state={data.api.breaker} />
            </li>
            {data.sinks.map((sink) => (
              <li>
                <span class="name">{sink.name}</span>
                <BreakerPill state={sink.breaker} />
              </li>
            ))}
          </ul>
        </div>
        <div class="card" data-summary="registrations">
          <p class="stat-label">Registrations</p>
          <p class="stat-big" style="margin:0">{String(data.registrations.length)}</p>
          <p class="stat-note">
            {lastTick
              ? (
                <>
                  last tick <Time iso={lastTick} now={data.generatedAt} />
                </>
              )
              : "no tick yet"}
          </p>
        </div>
      </div>
    </section>
  );
}

const TOKEN_TEXT = { healthy: "valid", degraded: "renewal failing", failing: "none" } as const;

/**
 * The overall state and what it is made of: registrations, sinks, the token, dead letters and
 * gaps, each counted, then the reasons `/readyz` gives, word for word. Degraded without reasons
 * means "ready, but look": the counts say where.
 */
function HealthCard(props: { data: DashboardData }) {
  const { summary, registrations } = props.data;
  const failing = registrations.filter((r) => r.failingSince !== null);
  const counts: { key: string; tone: "ok" | "warn" | "bad"; text: string }[] = [
    {
      key: "registrations",
      tone: summary.registrations.failing > 0 ? "bad" : "ok",
      text: `${summary.registrations.failing} of ${summary.registrations.total} registration${
        summary.registrations.total === 1 ? "" : "s"
      } failing`,
    },
    {
      key: "sinks",
      tone: summary.sinks.failing > 0 ? "bad" : summary.sinks.degraded > 0 ? "warn" : "ok",
      text: `${summary.sinks.total} sink${summary.sinks.total === 1 ? "" : "s"}: ` +
        `${summary.sinks.failing} failing, ${summary.sinks.degraded} degraded`,
    },
    {
      key: "token",
      tone: summary.token === "healthy" ? "ok" : summary.token === "degraded" ? "warn" : "bad",
      text: `D&B token ${TOKEN_TEXT[summary.token] ?? summary.token}`,
    },
    {
      key: "dead-letters",
      tone: summary.deadLetters > 0 ? "warn" : "ok",
      text: `${formatCount(summary.deadLetters)} dead letter${
        summary.deadLetters === 1 ? "" : "s"
      }`,
    },
    {
      key: "gaps",
      tone: summary.gaps > 0 ? "warn" : "ok",
      text: `${formatCount(summary.gaps)} replay gap${summary.gaps === 1 ? "" : "s"}`,
    },
  ];
  return (
    <div class="card health" data-summary="health" data-state={summary.state}>
      <div class="health-head">
        <p class="stat-label">Health</p>
        <StatusPill status={summary.state} big />
        <p class="stat-note">
          {summary.state === "failing"
            ? "not ready: /readyz answers 503"
            : summary.state === "degraded"
            ? "ready, with problems to look at"
            : "ready, nothing to look at"}
        </p>
      </div>
      <div class="health-body">
        <ul class="counts" aria-label="What the health counts">
          {counts.map((count) => <li class={count.tone} data-count={count.key}>{count.text}</li>)}
        </ul>
        {failing.length > 0
          ? (
            <p class="stat-note" data-failing-registrations>
              {"Failing: "}
              {failing.map((r, i) => (
                <>
                  {i > 0 ? ", " : ""}
                  <span class="mono" data-registration-name={r.reference}>{r.reference}</span>
                  {` (${r.failedTicks} tick${r.failedTicks === 1 ? "" : "s"})`}
                </>
              ))}
            </p>
          )
          : null}
        {summary.reasons.length > 0
          ? (
            <ul class="reasons" aria-label="Why the service is not ready">
              {summary.reasons.map((reason, index) => (
                <li data-reason={String(index)}>
                  <ShortText text={reason} id={`reason-${index}`} max={200} />
                </li>
              ))}
            </ul>
          )
          : null}
      </div>
    </div>
  );
}

function hourTotals(hourly: HourlyCounts): number[] {
  return hourly.hours.map((_, index) =>
    hourly.series.reduce((sum, series) => sum + (series.counts[index] ?? 0), 0)
  );
}

function HourlySection(props: { hourly: HourlyCounts; basePath: string; hours: HourRange }) {
  const { hours, series } = props.hourly;
  const totals = series.map((s) => ({ type: s.type, total: s.counts.reduce((a, b) => a + b, 0) }));
  const sum = totals.reduce((a, b) => a + b.total, 0);
  const span = hours.length > 0
    ? `${hourName(hours[0])} to ${hourName(hours.at(-1)!)}`
    : "no hours";
  const description =
    `${hours.length} hourly stacked bar${hours.length === 1 ? "" : "s"}, ${span}. ` +
    `${formatCount(sum)} notifications` +
    (totals.length > 0 ? `: ${totals.map((t) => `${t.type} ${t.total}`).join(", ")}.` : ".");
  const range = `last ${hours.length} hour${hours.length === 1 ? "" : "s"}`;
  return (
    <section
      class="card section"
      aria-labelledby="hourly-heading"
      data-section="hourly"
      data-hours={String(props.hours)}
    >
      <div class="card-head">
        <h2 id="hourly-heading">Notifications per hour by type</h2>
        <nav class="range" aria-label="Time range">
          {HOUR_RANGES.map((choice) => (
            <a
              href={`${props.basePath}/?hours=${choice}`}
              aria-current={choice === props.hours ? "page" : undefined}
              data-range={String(choice)}
            >
              {`${choice} h`}
            </a>
          ))}
          <span class="muted">{`${range}, UTC`}</span>
        </nav>
      </div>
      {series.length > 0
        ? (
          <ul class="legend" aria-label="Notification types">
            {totals.map((t) => (
              <li class={t.total === 0 ? "zero" : undefined}>
                <span class="swatch" style={`background:${typeColor(t.type)}`} />
                {t.type} <b>{formatCount(t.total)}</b>
              </li>
            ))}
          </ul>
        )
        : null}
      <StackedBarChart
        chart="hourly"
        id="chart-hourly"
        title={`Notifications per hour by type, ${range}`}
        description={description}
        categories={hours.map(hourName)}
        series={series.map((s) => ({ name: s.type, color: typeColor(s.type), values: s.counts }))}
        ticks={hourTicks(hours)}
        emptyText="No notifications stored in these hours"
      />
      <details class="data" id="hourly-table">
        <summary>Show as a table</summary>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Notifications per hour by type</caption>
            <thead>
              <tr>
                <th scope="col">Hour (UTC)</th>
                {series.map((s) => <th scope="col" class="num">{s.type}</th>)}
                <th scope="col" class="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {hours.map((hour, index) => (
                <tr>
                  <th scope="row">{hourName(hour)}</th>
                  {series.map((s) => <td class="num">{String(s.counts[index] ?? 0)}</td>)}
                  <td class="num">
                    {String(series.reduce((a, s) => a + (s.counts[index] ?? 0), 0))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

/** `27 Nov 08:00`: the hour a bar counts, in UTC. */
function hourName(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${
    iso.length >= 16 ? date.toISOString().slice(11, 16) : ""
  }`
    .trim();
}

/**
 * Over 48 hours a label every six hours, the date at midnight, only every twelve on a phone,
 * where the labels are larger relative to the chart; over 24 hours every three (six on a
 * phone); a single hour is labelled itself.
 */
function hourTicks(hours: string[]): Tick[] {
  const step = hours.length <= 1 ? 1 : hours.length <= 24 ? 3 : 6;
  const ticks: Tick[] = [];
  hours.forEach((iso, index) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return;
    const hour = date.getUTCHours();
    if (hour % step !== 0) return;
    const text = hour === 0 && step > 1
      ? `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`
      : `${String(hour).padStart(2, "0")}:00`;
    ticks.push({ index, text, minor: step > 1 && hour % (step * 2) !== 0 });
  });
  return ticks;
}

function ApiSection(props: { api: ApiView; sampleSeconds: number }) {
  const { api, sampleSeconds } = props;
  const times = api.history.map((sample) => sample.at);
  const every = sampleEvery(sampleSeconds);
  const requests = perSecond(api.history, { pick: (s) => s.requests, sampleSeconds });
  const rateLimited = perSecond(api.history, { pick: (s) => s.rateLimited, sampleSeconds });
  const errors = perSecond(api.history, { pick: (s) => s.errors, sampleSeconds });
  const at = requests.length - 1;
  return (
    <section class="card" aria-labelledby="api-heading" data-section="api">
      <div class="card-head">
        <h2 id="api-heading">D&amp;B requests</h2>
        <BreakerPill state={api.breaker} />
      </div>
      <p class="chart-unit" data-unit="api">{`requests/s, ${every}`}</p>
      <ul class="legend" aria-label="Series">
        <LegendLine color={LINE_COLORS.requests} label="Requests/s" />
        <LegendLine color={LINE_COLORS.rateLimited} label="429 rate limited/s" />
        <LegendLine color={LINE_COLORS.errors} label="Errors/s" dashed />
      </ul>
      <LineChart
        chart="api"
        id="chart-api"
        title={`D&B requests, 429 responses and errors per second, ${every}`}
        description={`${api.history.length} samples, ${every}` +
          (at >= 0
            ? `; latest: ${requests[at]} requests/s, ${rateLimited[at]} rate limited/s, ${
              errors[at]
            } errors/s.`
            : ".")}
        times={times}
        fractional
        series={[
          { name: "requests", color: LINE_COLORS.requests, values: requests },
          { name: "rate_limited", color: LINE_COLORS.rateLimited, values: rateLimited },
          { name: "errors", color: LINE_COLORS.errors, values: errors, dashed: true },
        ]}
      />
      <dl class="kv">
        <dt>Rate limit</dt>
        <dd>{`${api.rateLimit} requests/s`}</dd>
        <dt>Requests since start</dt>
        <dd>{formatCount(api.requests)}</dd>
        <dt>429 rate limited</dt>
        <dd>{formatCount(api.rateLimited)}</dd>
        <dt>Errors</dt>
        <dd class={api.errors > 0 ? "error-text" : undefined}>{formatCount(api.errors)}</dd>
        <dt>p95 latency (since start)</dt>
        <dd>{api.p95LatencyMs === null ? "—" : `${formatCount(api.p95LatencyMs)} ms`}</dd>
      </dl>
    </section>
  );
}

/** `sampled every 30 s`, `sampled every 2 min`. */
export function sampleEvery(seconds: number): string {
  return seconds >= 120 && seconds % 60 === 0
    ? `sampled every ${seconds / 60} min`
    : `sampled every ${seconds} s`;
}

/**
 * Counts per sample as a rate: each sample's count over the seconds since the one before (the
 * nominal interval for the first, which counts nothing), to three decimals.
 */
export function perSecond(
  samples: ApiSample[],
  options: { pick(sample: ApiSample): number; sampleSeconds: number },
): number[] {
  return samples.map((sample, i) => {
    const gap = i === 0 ? NaN : (Date.parse(sample.at) - Date.parse(samples[i - 1].at)) / 1000;
    const seconds = Number.isFinite(gap) && gap > 0 ? gap : options.sampleSeconds;
    return Math.round((options.pick(sample) / seconds) * 1000) / 1000;
  });
}

function LegendLine(props: { color: string; label: string; dashed?: boolean }) {
  return (
    <li>
      <span
        class={`swatch line${props.dashed ? " dashed" : ""}`}
        style={`background-color:${props.color}`}
      />
      {props.label}
    </li>
  );
}

/** A tick's outcome in words; an outcome this build does not know is shown as it is. */
export function outcomeText(outcome: string): string {
  switch (outcome) {
    case "drained":
      return "drained";
    case "cap":
      return "more queued";
    case "lease_held":
      return "held by another instance";
    case "failed":
      return "failed";
    case "stopped":
      return "stopped";
    default:
      return outcome;
  }
}

function RegistrationsSection(props: { registrations: RegistrationView[]; now: string }) {
  return (
    <section class="card" aria-labelledby="registrations-heading" data-section="registrations">
      <div class="card-head">
        <h2 id="registrations-heading">Registrations</h2>
        <p>{`${props.registrations.length} monitored`}</p>
      </div>
      {props.registrations.length === 0
        ? <p class="muted">No registrations yet.</p>
        : (
          <div class="table-wrap">
            <table class="stack">
              <caption class="visually-hidden">Registrations with their last tick</caption>
              <thead>
                <tr>
                  <th scope="col">Registration</th>
                  <th scope="col">Last tick</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="num">Pulled</th>
                </tr>
              </thead>
              <tbody>
                {props.registrations.map((r, index) => (
                  <tr
                    data-registration={r.reference}
                    data-failing={String(r.failingSince !== null)}
                  >
                    <th scope="row" class="mono">{r.reference}</th>
                    <td data-label="Last tick">
                      {r.lastTick ? <Time iso={r.lastTick} now={props.now} /> : "never"}
                    </td>
                    <td data-label="Outcome">
                      <div class="outcome">
                        <span
                          class={r.lastError ? "error-text" : undefined}
                          data-outcome={r.lastOutcome ?? undefined}
                        >
                          {r.lastOutcome === null ? "—" : outcomeText(r.lastOutcome)}
                        </span>
                        {r.failingSince !== null
                          ? (
                            <span class="detail error-text" data-failing-since={r.failingSince}>
                              {"failing since "}
                              <Time iso={r.failingSince} now={props.now} />
                              {` · ${formatCount(r.failedTicks)} failed tick${
                                r.failedTicks === 1 ? "" : "s"
                              }`}
                            </span>
                          )
                          : null}
                        {r.lastError
                          ? (
                            <ShortText
                              text={r.lastError}
                              id={domId("registration-error", r.reference, index)}
                              class="error-text detail"
                            />
                          )
                          : null}
                      </div>
                    </td>
                    <td data-label="Pulled" class="num">
                      {r.lastPullCount === null ? "—" : formatCount(r.lastPullCount)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

function SinksSection(props: { sinks: SinkView[]; sampleSeconds: number }) {
  return (
    <section class="card section" aria-labelledby="sinks-heading" data-section="sinks">
      <div class="card-head">
        <h2 id="sinks-heading">Sinks</h2>
        <p data-unit="sinks">
          {`lag in batches waiting, errors per sample; ${sampleEvery(props.sampleSeconds)}`}
        </p>
      </div>
      {props.sinks.length === 0
        ? <p class="muted">No sinks configured.</p>
        : (
          <div class="grid small-multiples">
            {props.sinks.map((sink, index) => (
              <SinkPanel sink={sink} index={index} sampleSeconds={props.sampleSeconds} />
            ))}
          </div>
        )}
    </section>
  );
}

function SinkPanel(props: { sink: SinkView; index: number; sampleSeconds: number }) {
  const { sink } = props;
  const latest = sink.history.at(-1);
  const every = sampleEvery(props.sampleSeconds);
  return (
    <article class="sink" data-sink={sink.name} aria-labelledby={`sink-${props.index}-heading`}>
      <div class="card-head">
        <h3 id={`sink-${props.index}-heading`}>{sink.name}</h3>
        <span>
          <StatusPill status={sink.status} /> <BreakerPill state={sink.breaker} />
        </span>
      </div>
      <ul class="legend" aria-label="Series">
        <LegendLine color={LINE_COLORS.lag} label="Lag (batches)" />
        <LegendLine color={LINE_COLORS.errors} label="Errors per sample" dashed />
      </ul>
      <LineChart
        chart="sink"
        id={`chart-sink-${props.index}`}
        name={sink.name}
        title={`Sink ${sink.name}: lag in batches and errors per sample, ${every}`}
        description={`${sink.history.length} samples, ${every}` +
          (latest ? `; latest lag ${latest.lagBatches} batches, ${latest.errors} errors.` : ".")}
        times={sink.history.map((s) =>
          s.at
        )}
        series={[
          {
            name: "lag",
            color: LINE_COLORS.lag,
            values: sink.history.map((s) =>
              s.lagBatches
            ),
          },
          {
            name: "errors",
            color: LINE_COLORS.errors,
            values: sink.history.map((s) => s.errors),
            dashed: true,
          },
        ]}
      />
      <dl class="kv">
        <dt>Lag</dt>
        <dd>{`${formatCount(sink.lagBatches)} batches · ${formatCount(sink.lagSeconds)} s`}</dd>
        <dt>Stored</dt>
        <dd>{formatCount(sink.stored)}</dd>
        <dt>Errors</dt>
        <dd class={sink.errors > 0 ? "error-text" : undefined}>{formatCount(sink.errors)}</dd>
        {sink.lastError
          ? (
            <>
              <dt>Last error</dt>
              <dd>
                <ShortText
                  text={sink.lastError}
                  id={domId("sink-error", sink.name, props.index)}
                  class="error-text"
                />
              </dd>
            </>
          )
          : null}
      </dl>
    </article>
  );
}

function LatestSection(props: { latest: NotificationView[]; now: string; basePath: string }) {
  return (
    <section class="card section" aria-labelledby="latest-heading" data-section="latest">
      <div class="card-head">
        <h2 id="latest-heading">Latest notifications</h2>
        <p>newest first · previous → current</p>
      </div>
      {props.latest.length === 0
        ? <p class="muted">No notifications stored yet.</p>
        : (
          <ol class="feed">
            {props.latest.map((note) => (
              <NotificationItem note={note} now={props.now} basePath={props.basePath} />
            ))}
          </ol>
        )}
    </section>
  );
}

function NotificationItem(props: { note: NotificationView; now: string; basePath: string }) {
  const { note } = props;
  return (
    <li data-notification={note.id}>
      <div class="note-head">
        <TypeBadge type={note.type} />
        <a class="mono" href={companyHref(props.basePath, note.duns)}>{note.duns}</a>
        <span class="muted mono">{note.registration}</span>
        <span class="when">
          <Time iso={note.deliveryTimestamp} now={props.now} />
          <span class="hide-phone">{` · ${formatUtc(note.deliveryTimestamp)}`}</span>
        </span>
      </div>
      <ChangeList
        elements={note.elements}
        visible={VISIBLE_CHANGES}
        moreId={`more-${safeId(note.id)}`}
      />
    </li>
  );
}

/** Notification ids are hex, but they come from outside: keep an id attribute plain. */
export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_");
}
