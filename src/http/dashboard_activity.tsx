/**
 * What the service did besides storing: the alert rules (last fired, each destination's delivery
 * state) and the changes it made to registrations' subjects (the audit log).
 */
import type { AlertRuleStatus } from "../model/alert_status.ts";
import type { SubjectChangeState } from "../model/status.ts";
import { ShortText } from "./dashboard_problems.tsx";
import { formatCount, Time } from "./layout.tsx";

export function AlertsSection(props: { alerts: AlertRuleStatus[] }) {
  const fired = props.alerts.filter((rule) => rule.lastFiredAt !== null).length;
  return (
    <section
      class="card"
      aria-labelledby="alerts-heading"
      data-section="alerts"
      data-total={String(props.alerts.length)}
    >
      <div class="card-head">
        <h2 id="alerts-heading">Alerts</h2>
        <p>
          {props.alerts.length === 0
            ? "no rules under alerts:"
            : `${formatCount(props.alerts.length)} rule${props.alerts.length === 1 ? "" : "s"}, ${
              formatCount(fired)
            } fired`}
        </p>
      </div>
      {props.alerts.length === 0
        ? <p class="muted">Add rules under alerts: to hear when something that matters changes.</p>
        : (
          <div class="table-wrap">
            <table class="stack">
              <caption class="visually-hidden">Alert rules and their deliveries</caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Last fired</th>
                  <th scope="col">Delivery</th>
                </tr>
              </thead>
              <tbody>
                {props.alerts.map((rule) => (
                  <tr data-alert-rule={rule.rule}>
                    <th scope="row" class="mono">{rule.rule}</th>
                    <td data-label="Last fired">
                      {rule.lastFiredAt ? <Time iso={rule.lastFiredAt} /> : "never"}
                    </td>
                    <td data-label="Delivery">
                      {rule.destinations.length === 0
                        ? <span class="muted">dashboard only</span>
                        : rule.destinations.map((destination, index) => (
                          <span
                            class={`detail ${
                              destination.state === "sent" || destination.state === "never"
                                ? ""
                                : "warn-text"
                            }`}
                            data-destination={destination.destination}
                            data-state={destination.state}
                          >
                            {`${destination.destination}: ${destination.state}, ${
                              formatCount(destination.sent)
                            } sent`}
                            {destination.lastError
                              ? (
                                <>
                                  {" · "}
                                  <ShortText
                                    text={destination.lastError}
                                    id={`alert-${index}-${rule.rule.replace(/\W/g, "_")}`}
                                  />
                                </>
                              )
                              : null}
                          </span>
                        ))}
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

export function SubjectChangesSection(props: { changes: SubjectChangeState[] }) {
  return (
    <section
      class="card"
      aria-labelledby="subject-changes-heading"
      data-section="subject-changes"
      data-total={String(props.changes.length)}
    >
      <div class="card-head">
        <h2 id="subject-changes-heading">Subject changes</h2>
        <p>DUNS this service added or removed (registrations add, remove, sync)</p>
      </div>
      {props.changes.length === 0 ? <p class="muted">None yet.</p> : (
        <div class="table-wrap">
          <table class="stack">
            <caption class="visually-hidden">The latest changes to subjects</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Registration</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {props.changes.map((change, index) => (
                <tr data-subject-change={change.outcome}>
                  <td data-label="When">
                    <Time iso={change.at} />
                  </td>
                  <th scope="row" class="mono">{change.registration}</th>
                  <td
                    data-label="Change"
                    class={change.outcome === "failed" ? "warn-text" : undefined}
                  >
                    {`${
                      change.action === "sync"
                        ? "sync refused, nothing changed"
                        : `${change.action === "add" ? "added" : "removed"} ${
                          formatCount(change.count)
                        }`
                    } (${change.source})${
                      change.outcome === "failed" && change.action !== "sync" ? ", failed" : ""
                    }`}
                    {change.sample.length > 0
                      ? <span class="detail mono">{change.sample.join(", ")}</span>
                      : null}
                    {change.detail
                      ? <ShortText text={change.detail} id={`subject-change-${index}`} />
                      : null}
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
