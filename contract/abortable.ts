import { CancelledError } from './errors.js';

// setTimeout's delay is a signed 32-bit number of ms; anything larger fires at once.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Resolves after `ms`; rejects with CancelledError as soon as `signal` aborts (at once if it
 * already has). The timer is cleared on abort, so a cancelled run leaves no timer keeping the
 * process alive, and the abort listener is removed when the sleep ends, so a long-lived signal
 * does not collect one listener per wait.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const delay = Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_DELAY_MS) : ms > 0 ? MAX_DELAY_MS : 0;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects with CancelledError when the signal aborts, even if the promise never settles. */
export function untilSettledOrAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
