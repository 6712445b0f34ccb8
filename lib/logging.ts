// Structured JSON logs (pino) with the field names the operations team queries on.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination` defaults to stdout; tests pass a stream to read the lines back. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tax-reports' },
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.password', '*.apiKey', '*.token', '*.authorization', 'config.OPENAI_API_KEY', 'config.GRAPHDB_PASSWORD', 'config.S3_SECRET_ACCESS_KEY', 'config.REDIS_URL', '*.secretAccessKey'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
