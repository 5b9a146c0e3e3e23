import { describe, expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import { ConsoleLogger, StepProgress, Terminal, barLine, type BarPayload } from '../../tooling/host/console-context.js';
import { Redactor } from '../../tooling/host/redact.js';

/** A stream that records what is written; with tty: true it offers the cursor calls a terminal has. */
function capture(tty = false): NodeJS.WriteStream & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as unknown as NodeJS.WriteStream & { text(): string };
  Object.assign(stream, {
    isTTY: tty,
    columns: 200,
    cursorTo: (_x: number, _y?: unknown, cb?: () => void) => (typeof cb === 'function' ? cb() : true),
    moveCursor: (_dx: number, _dy: number, cb?: () => void) => (typeof cb === 'function' ? cb() : true),
    clearLine: (_dir: number, cb?: () => void) => (typeof cb === 'function' ? cb() : true),
    clearScreenDown: (cb?: () => void) => (typeof cb === 'function' ? cb() : true),
    getWindowSize: () => [200, 50],
    text: () => chunks.join(''),
  });
  return stream;
}

describe('ConsoleLogger', () => {
  test('filters by level, prefixes steps, and shows data with warnings', () => {
    const stream = capture();
    const log = new ConsoleLogger(new Terminal(stream, false), new Redactor(), 'info');
    log.debug('hidden');
    log.info('plain', { detail: 1 });
    log.child('step').warn('careful', { count: 2 });
    log.child('outer').child('inner').error('broken');
    expect(stream.text()).toBe('info  plain\nwarn  step: careful {"count":2}\nerror outer › inner: broken\n');
  });

  test('debug level shows data on every line; silent shows nothing', () => {
    const debugStream = capture();
    new ConsoleLogger(new Terminal(debugStream, false), new Redactor(), 'debug').info('with data', { a: 1 });
    expect(debugStream.text()).toBe('info  with data {"a":1}\n');
    const silentStream = capture();
    new ConsoleLogger(new Terminal(silentStream, false), new Redactor(), 'silent').error('nothing');
    expect(silentStream.text()).toBe('');
  });

  test('never prints a registered secret, in the message or in the data', () => {
    const stream = capture();
    const redactor = new Redactor();
    redactor.add('CANARY-log-31337');
    const log = new ConsoleLogger(new Terminal(stream, false), redactor, 'debug');
    log.warn('token CANARY-log-31337 leaked', { nested: { value: 'CANARY-log-31337' }, employeeToken: 'anything' });
    expect(stream.text()).toBe('warn  token [redacted] leaked {"nested":{"value":"[redacted]"},"employeeToken":"[redacted]"}\n');
  });
});

describe('StepProgress', () => {
  test('draws nothing when the stream is not a terminal', () => {
    const stream = capture(false);
    const progress = new StepProgress(new Terminal(stream), 'customers');
    progress.page(1000);
    progress.update({ pages: 1, items: 1000, requests: 2, rateLimitWaits: 1, rateLimitWaitMs: 800 });
    progress.stop({ requests: 2, waits: 1 });
    expect(stream.text()).toBe('');
  });

  test('on a terminal, shows rows, pages, requests and rate-limit waits, and ends with the final counts', () => {
    const stream = capture(true);
    const terminal = new Terminal(stream);
    const progress = new StepProgress(terminal, 'customers');
    progress.page(1000);
    progress.update({ pages: 1, items: 1000, requests: 2, rateLimitWaits: 1, rateLimitWaitMs: 1500 });
    new ConsoleLogger(terminal, new Redactor(), 'info').info('a line while the bar shows');
    progress.page(1000);
    progress.page(500);
    progress.stop({ requests: 4, waits: 1 });
    const text = stream.text();
    expect(text).toContain('a line while the bar shows');
    expect(text).toContain('customers');
    expect(text).toMatch(/2,500 rows \| 3 pages \| 4 requests \| 1 rate-limit wait \|/);
    // No percentage: Tripletex's fullResultSize is no total to trust.
    expect(text).not.toContain('%');
  });
});

describe('the progress line', () => {
  const payload = (extra: Partial<BarPayload> = {}): BarPayload => ({ label: 'GET /customer', rows: 30_000, pages: 30, requests: 31, waits: 0, waiting: '', ...extra });

  test('shows every count, numbers formatted alike, when the terminal is wide enough', () => {
    expect(barLine(payload(), 12, 200)).toBe('GET /customer | 30,000 rows | 30 pages | 31 requests | 0 rate-limit waits | 2,500 rows/s | 12.0 s');
    expect(barLine(payload({ rows: 1, pages: 1, requests: 1, waits: 1 }), 1, 200)).toBe('GET /customer | 1 row | 1 page | 1 request | 1 rate-limit wait | 1 rows/s | 1.0 s');
  });

  test.each([100, 80, 60, 40, 30, 20])('never runs past a terminal %i columns wide, keeping rows and time the longest', (width) => {
    const line = barLine(payload({ label: 'GET /ledger/posting/openPost', waiting: 'waiting 4.2 s for the rate limit', waits: 3 }), 12, width);
    expect(line.length).toBeLessThan(width);
    if (width >= 60) expect(line).toContain('30,000 rows');
    if (width >= 40) expect(line).toContain('12.0 s');
  });

  test('drops the waits that did not happen before the counts that did', () => {
    const line = barLine(payload(), 12, 75);
    expect(line).not.toContain('rate-limit');
    expect(line).toContain('30 pages');
  });
});
