import type { Alert } from "./alert.ts";
import { alertTitle, matchLines } from "./webhook_body.ts";

/** One digest e-mail: what the adapter hands to SMTP, headers aside. */
export interface AlertEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * The e-mail for one alert: every match of the rule in the batch in one message (the original
 * service sent one per notification, a storm on a busy day). The alert id is in the subject so
 * that people and mail filters can tell a re-sent alert from a new one. Pure.
 */
export function alertEmail(alert: Alert, options: { sentAt: string }): AlertEmail {
  const title = oneLine(alertTitle(alert));
  const lines = matchLines(alert);
  const facts = [
    `Rule: ${alert.rule}`,
    `Registration: ${alert.registration}`,
    `Batch: ${alert.batchSequence}`,
    `Alert id: ${alert.id}`,
    `Sent at: ${options.sentAt}`,
  ];
  const text = [title, "", ...lines.map((line) => `- ${line}`), "", ...facts, ""].join("\n");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif">',
    `<h2>${escapeHtml(title)}</h2>`,
    "<ul>",
    ...lines.map((line) => `<li>${escapeHtml(line)}</li>`),
    "</ul>",
    `<p style="color: #555">${facts.map(escapeHtml).join("<br>")}</p>`,
    "</body></html>",
  ].join("\n");
  return { subject: `[TraceOne] ${title} [alert ${alert.id}]`, text, html };
}

// A registration reference comes from the API: it must not break the subject line.
function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
