// Structured JSON logs (pino) with the field names the operations team queries on.
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { redactSecrets } from './log-redaction';

export type { Logger };

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
    // Every logged object goes out as redactSecrets' copy: secrets replaced at any depth, the key kept so a log
    // still shows a value was there. It serializes errors itself, so pino's err serializer must not run again.
    formatters: { level: (label) => ({ level: label }), log: redactSecrets },
    serializers: { err: (err: unknown) => err },
  };
  if (!file || level === 'silent') return redactingChildren(pino(options, destination));
  const streams: pino.StreamEntry[] = [
    { level: level as Level, stream: destination ?? pino.destination(1) },
    { level: file.level, stream: pino.destination({ dest: file.path, append: true, mkdir: true, sync: false }) },
  ];
  const lowest = pino.levels.values[file.level]! < pino.levels.values[level]! ? file.level : level;
  return redactingChildren(pino({ ...options, level: lowest }, pino.multistream(streams)));
}

/**
 * A child's bindings are written once, at `child()`, past formatters.log (pino formats only the root's bindings):
 * redacted here, on the root, which every descendant's `child` resolves to through its prototype.
 */
function redactingChildren(root: Logger): Logger {
  const child = root.child;
  root.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return root;
}

/** The process's logger as the configuration says (LOG_LEVEL, LOG_FILE, LOG_FILE_LEVEL); a CLI whose stdout is its result passes stderr. */
export function configuredLogger(config: { LOG_LEVEL: string; LOG_FILE?: string; LOG_FILE_LEVEL: Level }, destination?: DestinationStream): Logger {
  return createLogger(config.LOG_LEVEL, destination, config.LOG_FILE ? { path: config.LOG_FILE, level: config.LOG_FILE_LEVEL } : undefined);
}
