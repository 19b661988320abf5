// deno-lint-ignore-file jsx-key -- rendered once on the server: nothing reconciles lists, and
// hono would print a `key` as an HTML attribute.
/**
 * The main dashboard: a status summary, notifications per hour by type, each sink's lag and
 * errors, D&B request rate, registrations and the latest notifications. `DashboardContent` is
 * the part that refreshes itself: the full page wraps it, the fragment route sends it alone.
 */
import { LineChart, StackedBarChart, type Tick, typeColor } from "./charts.tsx";
import type {
  ApiView,
  DashboardData,
  HourlyCounts,
  NotificationView,
  RegistrationView,
  SinkView,
} from "./dashboard_data.ts";
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
      <DashboardContent data={props.data} basePath={props.basePath} />
    </Layout>
  );
}

/** Everything inside `#live`; also the body of the fragment the page refreshes itself with. */
export function DashboardContent(props: { data: DashboardData; basePath: string }) {
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
      <HourlySection hourly={data.hourly} />
      <div class="grid two">
        <ApiSection api={data.api} />
        <RegistrationsSection registrations={data.registrations} now={data.generatedAt} />
      </div>
      <SinksSection sinks={data.sinks} />
      <LatestSection latest={data.latest} now={data.generatedAt} basePath={props.basePath} />
    </div>
  );
}

function Summary(props: { data: DashboardData }) {
  const { data } = props;
  const healthySinks = data.sinks.filter((sink) => sink.status === "healthy").length;
  const perHour = hourTotals(data.hourly);
  const total = perHour.reduce((sum, count) => sum + count, 0);
  const lastHour = perHour.at(-1) ?? 0;
  const ticks = data.registrations.map((r) => r.lastTick).filter((t): t is string => t !== null)
    .sort();
  const lastTick = ticks.at(-1);
  return (
    <section aria-labelledby="summary-heading">
      <h2 id="summary-heading" class="visually-hidden">Status summary</h2>
      <div class="grid summary">
        <div class="card" data-summary="health">
          <p class="stat-label">Health</p>
          <StatusPill status={data.health} big />
          <p class="stat-note">
            {`${healthySinks} of ${data.sinks.length} sink${
              data.sinks.length === 1 ? "" : "s"
            } healthy`}
          </p>
        </div>
        <div class="card" data-summary="notifications">
          <p class="stat-label">Notifications · 48 h</p>
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

function hourTotals(hourly: HourlyCounts): number[] {
  return hourly.hours.map((_, index) =>
    hourly.series.reduce((sum, series) => sum + (series.counts[index] ?? 0), 0)
  );
}

function HourlySection(props: { hourly: HourlyCounts }) {
  const { hours, series } = props.hourly;
  const totals = series.map((s) => ({ type: s.type, total: s.counts.reduce((a, b) => a + b, 0) }));
  const sum = totals.reduce((a, b) => a + b.total, 0);
  const span = hours.length > 0
    ? `${hourName(hours[0])} to ${hourName(hours.at(-1)!)}`
    : "no hours";
  const description =
    `${hours.length} hourly stacked bars, ${span}. ${formatCount(sum)} notifications` +
    (totals.length > 0 ? `: ${totals.map((t) => `${t.type} ${t.total}`).join(", ")}.` : ".");
  return (
    <section class="card section" aria-labelledby="hourly-heading">
      <div class="card-head">
        <h2 id="hourly-heading">Notifications per hour by type</h2>
        <p>last {String(hours.length)} hours, UTC</p>
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
        title="Notifications per hour by type, last 48 hours"
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
 * A label every six hours, the date at midnight; only every twelve hours on a phone, where the
 * labels are larger relative to the chart.
 */
function hourTicks(hours: string[]): Tick[] {
  const ticks: Tick[] = [];
  hours.forEach((iso, index) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return;
    const hour = date.getUTCHours();
    if (hour % 6 !== 0) return;
    const text = hour === 0
      ? `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`
      : `${String(hour).padStart(2, "0")}:00`;
    ticks.push({ index, text, minor: hour % 12 !== 0 });
  });
  return ticks;
}

function ApiSection(props: { api: ApiView }) {
  const { api } = props;
  const times = api.history.map((sample) => sample.at);
  const latest = api.history.at(-1);
  return (
    <section class="card" aria-labelledby="api-heading" data-section="api">
      <div class="card-head">
        <h2 id="api-heading">D&amp;B requests</h2>
        <BreakerPill state={api.breaker} />
      </div>
      <ul class="legend" aria-label="Series">
        <LegendLine color={LINE_COLORS.requests} label="Requests" />
        <LegendLine color={LINE_COLORS.rateLimited} label="429 rate limited" />
        <LegendLine color={LINE_COLORS.errors} label="Errors" dashed />
      </ul>
      <LineChart
        chart="api"
        id="chart-api"
        title="D&B requests, 429 responses and errors per sample"
        description={`${api.history.length} samples` +
          (latest
            ? `; latest: ${latest.requests} requests, ${latest.rateLimited} rate limited, ${latest.errors} errors.`
            : ".")}
        times={times}
        series={[
          {
            name: "requests",
            color: LINE_COLORS.requests,
            values: api.history.map((s) => s.requests),
          },
          {
            name: "rate_limited",
            color: LINE_COLORS.rateLimited,
            values: api.history.map((s) => s.rateLimited),
          },
          {
            name: "errors",
            color: LINE_COLORS.errors,
            values: api.history.map((s) => s.errors),
            dashed: true,
          },
        ]}
      />
      <dl class="kv">
        <dt>Rate limit</dt>
        <dd>{`${api.rateLimit} requests/s`}</dd>
        <dt>Requests</dt>
        <dd>{formatCount(api.requests)}</dd>
        <dt>429 rate limited</dt>
        <dd>{formatCount(api.rateLimited)}</dd>
        <dt>Errors</dt>
        <dd class={api.errors > 0 ? "error-text" : undefined}>{formatCount(api.errors)}</dd>
      </dl>
    </section>
  );
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
                {props.registrations.map((r) => (
                  <tr data-registration={r.reference}>
                    <th scope="row" class="mono">{r.reference}</th>
                    <td data-label="Last tick">
                      {r.lastTick ? <Time iso={r.lastTick} now={props.now} /> : "never"}
                    </td>
                    <td data-label="Outcome">
                      <span class={r.lastError ? "error-text" : undefined}>
                        {r.lastOutcome ?? "—"}
                        {r.lastError ? <span class="detail">{r.lastError}</span> : null}
                      </span>
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

function SinksSection(props: { sinks: SinkView[] }) {
  return (
    <section class="card section" aria-labelledby="sinks-heading" data-section="sinks">
      <div class="card-head">
        <h2 id="sinks-heading">Sinks</h2>
        <p>lag in batches and errors, per sample</p>
      </div>
      {props.sinks.length === 0
        ? <p class="muted">No sinks configured.</p>
        : (
          <div class="grid small-multiples">
            {props.sinks.map((sink, index) => <SinkPanel sink={sink} index={index} />)}
          </div>
        )}
    </section>
  );
}

function SinkPanel(props: { sink: SinkView; index: number }) {
  const { sink } = props;
  const latest = sink.history.at(-1);
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
        <LegendLine color={LINE_COLORS.errors} label="Errors" dashed />
      </ul>
      <LineChart
        chart="sink"
        id={`chart-sink-${props.index}`}
        name={sink.name}
        title={`Sink ${sink.name}: lag and errors`}
        description={`${sink.history.length} samples` +
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
              <dd class="error-text">{sink.lastError}</dd>
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
