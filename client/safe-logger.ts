import type { LogData, Logger } from '../contract/host.js';
import { scrub, scrubDeep } from '../contract/secret.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Wraps a host's logger so that nothing the pack logs can carry a known secret. */
export function safeLogger(log: Logger | undefined): Logger {
  const target = log ?? silent;
  const wrap =
    (level: keyof Logger) =>
    (message: string, data?: LogData): void => {
      if (data === undefined) target[level](scrub(message));
      else target[level](scrub(message), scrubDeep(data) as LogData);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
