// Structured JSON logs (pino) with the field names the operations team queries on.
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { SECRET_SETTINGS } from './security/secret-settings';

export type { Logger };

/**
 * Never logged, wherever they appear: credentials by field name, request headers that carry them, and every
 * secret setting inside a logged config. Values are replaced, the key stays, so a log still shows a value was there.
 */
export const REDACTED_PATHS = [
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.accessToken',
  '*.idToken',
  '*.authorization',
  '*.cookie',
  '*.secretAccessKey',
  'headers["set-cookie"]',
  ...Object.keys(SECRET_SETTINGS).map((name) => `config.${name}`),
];

export interface LogFile {
  path: string;
  level: Level;
}

/**
 * `destination` defaults to stdout; tests pass a stream to read the lines back. With `file`, every line at its
 * level is also appended there (whatever the console level), which is how `npm test` checks redaction over a whole run.
 */
export function createLogger(level: string, destination?: DestinationStream, file?: LogFile): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'tax-reports' },
    messageKey: 'message',
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (!file || level === 'silent') return pino(options, destination);
  const streams: pino.StreamEntry[] = [
    { level: level as Level, stream: destination ?? pino.destination(1) },
    { level: file.level, stream: pino.destination({ dest: file.path, append: true, mkdir: true, sync: false }) },
  ];
  const lowest = pino.levels.values[file.level]! < pino.levels.values[level]! ? file.level : level;
  return pino({ ...options, level: lowest }, pino.multistream(streams));
}

/** The process's logger as the configuration says (LOG_LEVEL, LOG_FILE, LOG_FILE_LEVEL). */
export function configuredLogger(config: { LOG_LEVEL: string; LOG_FILE?: string; LOG_FILE_LEVEL: Level }): Logger {
  return createLogger(config.LOG_LEVEL, undefined, config.LOG_FILE ? { path: config.LOG_FILE, level: config.LOG_FILE_LEVEL } : undefined);
}
