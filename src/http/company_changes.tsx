/**
 * A notification's changed elements on the company page: a scalar as `previous → current`, an
 * object or array as the members and items that differ (`jsonDiff`), not two blobs of JSON.
 */
import type { ElementChange } from "./dashboard_data.ts";
import { type DiffEntry, jsonDiff } from "./json_diff.ts";
import { spelledValue } from "./json_text.ts";
import { formatUtc } from "./layout.tsx";

export function CompanyChangeList(props: { elements: ElementChange[] }) {
  if (props.elements.length === 0) {
    return <p class="no-changes">No changed elements in this notification.</p>;
  }
  return (
    <ul class="changes">
      {props.elements.map((change) => {
        const diff = jsonDiff(change.previous, change.current);
        return (
          <li data-element={change.element}>
            <code class="element">{change.element}</code>
            {diff === null
              ? (
                <span class="delta">
                  <Value json={change.previous} side="was" />
                  <span class="arrow" role="img" aria-label="changed to">→</span>
                  <Value json={change.current} side="now" />
                </span>
              )
              : <FieldDiff entries={diff} />}
            {change.timestamp
              ? <span class="stamp">changed {formatUtc(change.timestamp)}</span>
              : null}
          </li>
        );
      })}
    </ul>
  );
}

function FieldDiff(props: { entries: DiffEntry[] }) {
  if (props.entries.length === 0) {
    return <span class="delta muted">the same value, written differently</span>;
  }
  return (
    <ul
      class="field-diff"
      aria-label="changed members and items"
      style="list-style:none;margin:0;padding:0;display:grid;gap:2px"
    >
      {props.entries.map((entry) => (
        <li
          data-change={entry.change}
          data-path={entry.path}
          style="grid-template-columns:minmax(0,12rem) minmax(0,1fr)"
        >
          <code class="element">{entry.path === "" ? "(whole value)" : entry.path}</code>
          <span class="delta">
            {entry.change === "added"
              ? (
                <>
                  <span class="muted">added</span>
                  <Value json={entry.current} side="now" />
                </>
              )
              : entry.change === "removed"
              ? (
                <>
                  <span class="muted">removed</span>
                  <Value json={entry.previous} side="was" />
                </>
              )
              : (
                <>
                  <Value json={entry.previous} side="was" />
                  <span class="arrow" role="img" aria-label="changed to">→</span>
                  <Value json={entry.current} side="now" />
                </>
              )}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Value(props: { json: string | null; side: "was" | "now" }) {
  const value = spelledValue(props.json);
  const kind = value.kind === "value" ? "" : ` ${value.kind}`;
  return (
    <span class={`${props.side}${kind}`} title={value.truncated ? value.full : undefined}>
      {value.text}
    </span>
  );
}
