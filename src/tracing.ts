import { type Attributes, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("traceone-monitor");

/**
 * Runs `work` in a span. With `OTEL_DENO=true` Deno exports it over OTLP; otherwise the API is a
 * no-op and this costs next to nothing. `describe` adds attributes from the result (counts).
 */
export function inSpan<T>(
  name: string,
  options: { attributes: Attributes; describe?: (result: T) => Attributes },
  work: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes: options.attributes }, async (span) => {
    try {
      const result = await work();
      if (options.describe) span.setAttributes(options.describe(result));
      return result;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
