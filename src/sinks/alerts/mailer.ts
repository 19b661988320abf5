/**
 * The few calls the alerts sink makes of an SMTP library: send one message, close. npm
 * nodemailer is behind it (`nodemailer_mailer.ts`); tests of the sink's logic pass a double,
 * and the real thing is tested against a real SMTP server.
 */
export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Extra headers (names are case-insensitive; the library may respell them). */
  headers: Record<string, string>;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * Why a message was not sent, in SMTP terms: `code` is the library's class of failure
 * (`EAUTH`, `ECONNECTION`, `ETIMEDOUT`, `EENVELOPE`, `EMESSAGE`, …), `responseCode` the server's
 * reply code when it gave one.
 */
export class SmtpSendError extends Error {
  readonly code: string;
  readonly responseCode: number | null;

  constructor(message: string, details: { code: string; responseCode: number | null }) {
    super(message);
    this.name = "SmtpSendError";
    this.code = details.code;
    this.responseCode = details.responseCode;
  }
}
