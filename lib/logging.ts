// Structured JSON logs (pino) with the field names the operations team queries on.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'tax-reports', ...bindings },
    messageKey: 'message',
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['*.password', '*.apiKey', '*.token', '*.authorization', 'config.OPENAI_API_KEY', 'config.GRAPHDB_PASSWORD'],
      censor: '[redacted]',
    },
  });
}
