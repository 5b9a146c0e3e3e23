import cliProgress from 'cli-progress';
import type { LogData, Logger, ProgressInfo } from '../../contract/host.js';
import type { Redactor } from './redact.js';

// What an action's ctx.log and ctx.progress turn into on a terminal: log lines on stderr
// (standard output is for data), filtered by level, every line passed through the redactor;
// and, when stderr is a terminal, a progress bar with rows, pages, requests and rate-limit
// waits. Log lines printed while a bar is showing go above it.

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface HostLogger extends Logger {
  /** The same logger with "prefix: " in front of each message. */
  child(prefix: string): HostLogger;
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Writes text to stderr, or above the progress bar while one is showing. */
export class Terminal {
  #multibar: cliProgress.MultiBar | undefined;

  constructor(
    readonly stream: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
    /** Show progress bars: by default only when the stream is a terminal. */
    readonly progressEnabled: boolean = Boolean((stream as NodeJS.WriteStream).isTTY),
  ) {}

  write(text: string): void {
    if (this.#multibar?.isActive) {
      // Redraw at once: the bar only flushes its log buffer when it redraws, and a line logged
      // just before the step ends would otherwise be lost.
      this.#multibar.log(text.endsWith('\n') ? text : text + '\n');
      this.#multibar.update();
    }
    else this.stream.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** @internal used by StepProgress */
  multibar(): cliProgress.MultiBar {
    this.#multibar ??= new cliProgress.MultiBar(
      { stream: this.stream, hideCursor: true, clearOnComplete: false, stopOnComplete: false, format: formatBar, fps: 10, forceRedraw: true },
    );
    return this.#multibar;
  }

  /** @internal */
  releaseMultibar(): void {
    this.#multibar?.stop();
    this.#multibar = undefined;
  }
}

export class ConsoleLogger implements HostLogger {
  constructor(
    private readonly terminal: Terminal,
    private readonly redactor: Redactor,
    private readonly level: LogLevel = 'info',
    private readonly prefix = '',
  ) {}

  child(prefix: string): HostLogger {
    return new ConsoleLogger(this.terminal, this.redactor, this.level, this.prefix ? `${this.prefix} › ${prefix}` : prefix);
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return RANK[level] >= RANK[this.level];
  }

  private line(level: Exclude<LogLevel, 'silent'>, message: string, data?: LogData): void {
    if (!this.enabled(level)) return;
    let text = `${level.padEnd(5)} ${this.prefix ? `${this.prefix}: ` : ''}${message}`;
    // Data is detail: shown with warnings and errors, and for everything at --log-level debug.
    if (data !== undefined && Object.keys(data).length > 0 && (level !== 'info' || this.level === 'debug')) text += ` ${this.redactor.stringify(data)}`;
    this.terminal.write(this.redactor.redact(text));
  }

  debug(message: string, data?: LogData): void {
    this.line('debug', message, data);
  }
  info(message: string, data?: LogData): void {
    this.line('info', message, data);
  }
  warn(message: string, data?: LogData): void {
    this.line('warn', message, data);
  }
  error(message: string, data?: LogData): void {
    this.line('error', message, data);
  }
}

export interface BarPayload {
  label: string;
  rows: number;
  pages: number;
  requests: number;
  waits: number;
  waiting: string;
}

/**
 * One line of counts, never longer than the terminal is wide: a line that wraps or is cut at
 * the edge garbles the redraw. Counts that matter least go first when room is short (waits
 * while there are none, then requests, speed, pages), then the label is shortened. There is
 * no percentage: the only total Tripletex offers is fullResultSize, which is deprecated and
 * inexact (often just "at least one more page").
 */
export function barLine(payload: BarPayload, elapsedSeconds: number, width: number): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const elapsed = Math.max(0.001, elapsedSeconds);
  // [text, rank]: the higher the rank, the longer it stays.
  const parts: [string, number][] = [
    [`${n(payload.rows)} ${payload.rows === 1 ? 'row' : 'rows'}`, 9],
    [`${n(payload.pages)} ${payload.pages === 1 ? 'page' : 'pages'}`, 4],
    [`${n(payload.requests)} ${payload.requests === 1 ? 'request' : 'requests'}`, 2],
    [`${n(payload.waits)} rate-limit ${payload.waits === 1 ? 'wait' : 'waits'}`, payload.waits > 0 ? 5 : 1],
    ...(payload.rows > 0 ? [[`${n(Math.round(payload.rows / elapsed))} rows/s`, 3] as [string, number]] : []),
    [`${elapsed.toFixed(1)} s`, 8],
    ...(payload.waiting ? [[payload.waiting, 7] as [string, number]] : []),
  ];
  // One column spare: some terminals wrap a line that fills the last column.
  const room = Math.max(10, width - 1);
  const kept = [...parts];
  const line = (label: string) => [label, ...kept.map(([text]) => text)].join(' | ');
  while (line(payload.label).length > room && kept.length > 2) {
    const lowest = kept.reduce((min, part, i) => (part[1] < kept[min]![1] ? i : min), 0);
    kept.splice(lowest, 1);
  }
  const rest = line('').length;
  const label = payload.label.length + rest <= room ? payload.label : `${payload.label.slice(0, Math.max(1, room - rest - 1))}…`;
  const text = line(label);
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}

function formatBar(_options: cliProgress.Options, params: cliProgress.Params & { maxWidth?: number }, payload: BarPayload): string {
  return barLine(payload, (Date.now() - params.startTime) / 1000, params.maxWidth ?? 80);
}

/** Progress of one step: feeds the bar (when there is one) from ctx.progress and from the pages seen. */
export class StepProgress {
  #bar: cliProgress.SingleBar | undefined;
  #payload: BarPayload;

  constructor(
    private readonly terminal: Terminal,
    label: string,
  ) {
    this.#payload = { label, rows: 0, pages: 0, requests: 0, waits: 0, waiting: '' };
  }

  private redraw(): void {
    if (!this.terminal.progressEnabled) return;
    this.#bar ??= this.terminal.multibar().create(0, 0, this.#payload);
    this.#bar.update(this.#payload.rows, this.#payload);
  }

  /** ctx.progress from the action. */
  update(info: ProgressInfo): void {
    if (info.items !== undefined) this.#payload.rows = Math.max(this.#payload.rows, info.items);
    if (info.pages !== undefined) this.#payload.pages = Math.max(this.#payload.pages, info.pages);
    if (info.requests !== undefined) this.#payload.requests = info.requests;
    if (info.rateLimitWaits !== undefined) this.#payload.waits = info.rateLimitWaits;
    this.#payload.waiting = info.rateLimitWaitMs !== undefined && info.rateLimitWaitMs > 0 ? `waiting ${(info.rateLimitWaitMs / 1000).toFixed(1)} s for the rate limit` : '';
    this.redraw();
  }

  /** A page reached the host. */
  page(rowsInPage: number): void {
    this.#payload.pages += 1;
    this.#payload.rows += rowsInPage;
    this.redraw();
  }

  /** Counts as the step ends (the summary's, when it has them). */
  stop(final?: { requests?: number; waits?: number }): void {
    if (!this.#bar) return;
    if (final?.requests !== undefined) this.#payload.requests = final.requests;
    if (final?.waits !== undefined) this.#payload.waits = final.waits;
    this.#payload.waiting = '';
    this.redraw();
    this.#bar.stop();
    this.terminal.releaseMultibar();
    this.#bar = undefined;
  }
}
