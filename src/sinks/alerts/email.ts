import { Buffer } from "node:buffer";
import type { EmailDestinationConfig } from "../../config/alerts_config.ts";
import type { Alert } from "../../alerts/alert.ts";
import { alertEmail } from "../../alerts/email_message.ts";
import { ALERT_ID_HEADER } from "../../alerts/signature.ts";
import { maskKnownSecrets, maskSecrets } from "../../model/secret.ts";
import { AlertEmailAuthError, AlertEmailUnavailableError, type AlertTarget } from "./errors.ts";
import { type Mailer, SmtpSendError } from "./mailer.ts";
import type { SendResult } from "./send_result.ts";

/**
 * Sends one alert as one e-mail (plain text and HTML, the id in `X-TraceOne-Alert-Id` and in
 * the subject) and says how it went. SMTP tells "later" from "never" by its reply code: 4xx and
 * no answer are outages; 5xx on the envelope or the message is a refusal, except a refused
 * login, which a person fixes and the alerts wait for.
 */
export async function sendEmail(
  alert: Alert,
  destination: EmailDestinationConfig,
  options: { mailer: Mailer; sentAt: string },
): Promise<SendResult> {
  const target: AlertTarget = {
    rule: alert.rule,
    destination: "email",
    where: `${destination.smtp.host}:${destination.smtp.port}`,
  };
  const mask = (text: string) =>
    maskKnownSecrets(maskSecrets(text, passwordSpellings(destination)));
  const message = alertEmail(alert, { sentAt: options.sentAt });
  try {
    await options.mailer.send({
      from: destination.from,
      to: destination.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: { [ALERT_ID_HEADER]: alert.id },
    });
    return { ok: true, attempts: 1 };
  } catch (error) {
    const failure = error instanceof SmtpSendError
      ? error
      : new SmtpSendError(error instanceof Error ? error.message : String(error), {
        code: "EUNKNOWN",
        responseCode: null,
      });
    const said = mask(failure.message).slice(0, 300);
    const responseCode = failure.responseCode;
    if (failure.code === "EAUTH" || responseCode === 535 || responseCode === 530) {
      return {
        ok: false,
        kind: "outage",
        error: new AlertEmailAuthError(target, {
          username: destination.smtp.username,
          said,
        }),
      };
    }
    if (
      responseCode !== null && responseCode >= 500 &&
      (failure.code === "EENVELOPE" || failure.code === "EMESSAGE")
    ) {
      return {
        ok: false,
        kind: "refusal",
        error: new Error(
          `alerts: rule ${JSON.stringify(alert.rule)}: the SMTP server ${target.where} refused ` +
            `alert ${alert.id}: ${said}`,
        ),
      };
    }
    return {
      ok: false,
      kind: "outage",
      error: new AlertEmailUnavailableError(target, {
        reason: said,
        smtpCode: failure.code,
        responseCode,
      }),
    };
  }
}

/**
 * The password and the shapes SMTP AUTH sends it in (base64 alone for LOGIN, base64 of
 * "\0user\0password" for PLAIN), should a server or the library echo an exchange.
 */
function passwordSpellings(destination: EmailDestinationConfig): string[] {
  const password = destination.smtp.password?.reveal();
  if (password === undefined || password === "") return [];
  const user = destination.smtp.username ?? "";
  const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  return [password, base64(password), base64(`\0${user}\0${password}`)];
}
