// OpenTelemetry for the client, workflows and activities, through the Temporal SDK's plugin. Spans are
// exported over OTLP when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set (the exporter reads the standard
// OTEL_* variables itself); without one, spans are still created, so every log line has a real trace id.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { AppConfig } from '../config';

export interface Tracing {
  /** For Worker.create and new Client: propagates the trace through workflow and activity headers. */
  plugin: OpenTelemetryPlugin;
  /** Flushes pending spans. */
  shutdown(): Promise<void>;
}

/** Registers the process-wide tracer provider; call once per process, at its entry point. */
export function setupTracing(
  config: Pick<AppConfig, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
): Tracing {
  const resource = new Resource({ 'service.name': config.OTEL_SERVICE_NAME });
  const spanProcessor: SpanProcessor =
    config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ? new BatchSpanProcessor(new OTLPTraceExporter())
      : new NoopSpanProcessor();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Registering installs the async-context manager, so an activity's logger sees its span.
  provider.register();
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), shutdown: () => provider.shutdown() };
}
