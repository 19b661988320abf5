import type { Config } from "./config.ts";
import { parseCronSchedule } from "./cron_schedule.ts";
import type { ConfigIssue } from "./errors.ts";
import { EXPOSURE_ADVICE, listenerExposure } from "./exposure.ts";

/**
 * What is allowed but probably not meant, in a configuration that loaded: `config check` prints
 * these and `run` logs them at start. Pure, so every caller of `loadConfig` stays as it is and
 * any holder of a `Config` can ask.
 */
export function configWarnings(config: Config): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  // In production the same exposure is an error (schema.ts), so the file never loads.
  const exposure = config.environment === "production" ? null : listenerExposure({
    enabled: config.http.enabled,
    hostname: config.http.hostname,
    port: config.http.port,
    hasAuthToken: config.http.auth_token !== null && !config.http.auth_token.isEmpty,
  });
  if (exposure) {
    warnings.push({
      path: "http.auth_token",
      message: `${exposure}; in production this is an error (${EXPOSURE_ADVICE})`,
    });
  }
  const schedule = config.monitoring.schedule;
  const parsed = schedule === null ? null : parseCronSchedule(schedule);
  // Most crons count weekdays from 0 = Sunday, so "1-5" reads as Monday to Friday; Deno.cron
  // counts from 1 = Sunday and runs it Sunday to Thursday.
  if (parsed?.ok && parsed.schedule.numericWeekdays) {
    warnings.push({
      path: "monitoring.schedule",
      message: `day-of-week numbers count from 1 = Sunday in Deno.cron ("1-5" is Sunday to ` +
        "Thursday) (write names, e.g. MON-FRI, to say what you mean)",
    });
  }
  warnings.push(...objectStorageWarnings(config));
  return warnings;
}

/** An AWS endpoint names its region: `s3.eu-west-1.amazonaws.com`. */
const AWS_REGIONAL_ENDPOINT = /^s3[.-]([a-z0-9-]+)\.amazonaws\.com$/;

function objectStorageWarnings(config: Config): ConfigIssue[] {
  const objects = config.object_storage;
  if (!objects.enabled) return [];
  const warnings: ConfigIssue[] = [];
  const url = new URL(objects.endpoint);
  const named = AWS_REGIONAL_ENDPOINT.exec(url.hostname)?.[1];
  if (named !== undefined && named !== "dualstack" && named !== objects.region) {
    warnings.push({
      path: "object_storage.region",
      message: `is ${objects.region} but the endpoint ${url.hostname} is in ${named}; AWS ` +
        "refuses the signature or redirects (set both to the bucket's region)",
    });
  }
  // A wildcard certificate covers one label: `my.bucket.s3.amazonaws.com` fails TLS.
  if (!objects.path_style && url.protocol === "https:" && objects.bucket.includes(".")) {
    warnings.push({
      path: "object_storage.path_style",
      message: `the bucket name ${objects.bucket} holds dots, which break TLS for virtual-hosted ` +
        "buckets (set path_style: true)",
    });
  }
  return warnings;
}
