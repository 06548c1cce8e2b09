import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';

export type { Logger };

/**
 * Structured JSON logs (pino). Nothing secret is logged by design (no headers, no bodies); the redaction
 * list is the second line of defence should a header object ever be passed in.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'runs-gateway' },
      redact: {
        paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'headers["api-key"]', 'apiKey', 'key', '*.apiKey', 'connectionParams.authorization'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Yoga's logger interface over pino, so yoga's own warnings are JSON lines like the rest. */
export function yogaLogger(logger: Logger) {
  const child = logger.child({ component: 'yoga' });
  const forward = (level: 'debug' | 'info' | 'warn' | 'error') => (message: unknown, ...rest: unknown[]) => {
    if (level === 'error' && rest.length === 0 && isClientAbort(message)) {
      child.debug('request aborted by its client');
      return;
    }
    if (rest.length === 0) child[level](message instanceof Error ? { err: message } : {}, String(message instanceof Error ? message.message : message));
    else child[level]({ details: rest.map((item) => (item instanceof Error ? { name: item.name, message: item.message } : item)) }, String(message));
  };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}

/**
 * Yoga masks the AbortError of a request whose client went away (wrapped in a GraphQLError, so its own abort check
 * misses it) and logs it as an error with a stack: it is the client's choice, not a fault of the gateway.
 */
function isClientAbort(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    if (cause.name === 'AbortError') return true;
    cause = (cause as { originalError?: unknown }).originalError ?? cause.cause;
  }
  return false;
}
