import { createWriteStream, existsSync, mkdirSync, realpathSync, type WriteStream } from 'node:fs';
import { basename, dirname, relative, resolve as resolvePath } from 'node:path';
import type { Writable } from 'node:stream';
import { displayPath } from './display.js';
import { UsageError } from './errors.js';
import { isInside, openRegularForWriting } from './safe-files.js';
import { ndjsonSlices } from './ndjson-slices.js';

// Where rows go: NDJSON files (one JSON value per line) or standard output. Rows are data: each
// line is JSON.stringify of the value exactly as the action emitted it, never redacted (a
// customer number that happens to contain a company id, or a `true`, must come out as it came
// in). Writes wait for the stream to drain, so a fast action is held back by the disk (or the
// reader of a pipe) instead of piling rows up in memory: the sink's promise is the host's
// back-pressure.

/** The reader went away (`… | head`): the rows it wanted have been written. */
export class OutputClosedError extends Error {
  readonly kind = 'output-closed';
  constructor(message: string) {
    super(message);
    this.name = 'OutputClosedError';
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message };
  }
}

export interface Sink {
  /** As the user wrote it ("-" for standard output). */
  readonly target: string;
  /** Absolute path, or "-" for standard output. */
  readonly path: string;
  lines: number;
  writeLines(values: unknown[]): Promise<void>;
  close(): Promise<void>;
}

function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

class StreamSink implements Sink {
  lines = 0;
  #failure: Error | undefined;

  constructor(
    readonly target: string,
    readonly path: string,
    private readonly stream: Writable,
    private readonly owned: boolean,
  ) {
    stream.on('error', (error: Error) => {
      this.#failure = error;
    });
  }

  async writeLines(values: unknown[]): Promise<void> {
    if (this.#failure) throw this.failure();
    if (values.length === 0) return;
    this.lines += values.length;
    for (const slice of ndjsonSlices(values)) {
      if (!this.stream.write(slice)) {
        await waitForDrain(this.stream).catch(() => undefined);
        if (this.#failure) throw this.failure();
      }
    }
  }

  private failure(): Error {
    const code = (this.#failure as NodeJS.ErrnoException | undefined)?.code;
    const where = this.path === '-' ? 'standard output' : displayPath(this.path);
    if (code === 'EPIPE') return new OutputClosedError(`${where} was closed by the reader`);
    return new Error(`cannot write to ${where} (${code ?? this.#failure?.message ?? 'error'})`);
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    const stream = this.stream as WriteStream;
    if (stream.closed || stream.destroyed) return;
    await new Promise<void>((resolve) => stream.end(() => resolve()));
    if (this.#failure) throw this.failure();
  }
}

/**
 * The sinks of one run, by path: every step (and every page of a nested step) that names the
 * same file appends to one stream, truncated when the run first writes to it, closed at the end.
 */
export class SinkSet {
  readonly #sinks = new Map<string, Sink>();

  constructor(
    /** Relative targets are in this folder. */
    readonly baseDir: string,
    private readonly stdout: Writable = process.stdout,
    /**
     * Files must lie inside baseDir (the designer: a flow opened from a folder may come from
     * anyone, and must not write ~/.bashrc). The CLI writes where its user says.
     */
    private readonly confined = false,
  ) {}

  resolve(target: string): string {
    if (target === '-') return '-';
    const path = resolvePath(this.baseDir, target);
    if (this.confined && !isInside(this.baseDir, path)) {
      throw new UsageError(`"${target}" is outside the output folder ${displayPath(this.baseDir)}; here a flow writes only to files inside it (give a path relative to it)`);
    }
    return path;
  }

  /**
   * Makes the folder `path` (resolved from `target`) goes in. Confined, a folder on the way that
   * is a link leading out is as much a way out as "..": refused before anything is made through
   * it, and checked again once the folder exists. Everything that writes a file here (a sink, a
   * checkpoint, a lock) comes through this.
   */
  makeFolderFor(path: string, target: string): void {
    const leadsOut = () => new UsageError(`"${target}" leads out of the output folder ${displayPath(this.baseDir)} through a link; here a flow writes only to files inside it`);
    if (this.confined) {
      mkdirSync(this.baseDir, { recursive: true });
      let existing = dirname(path);
      while (!existsSync(existing)) existing = dirname(existing);
      if (!isInside(realpathSync(this.baseDir), resolvePath(realpathSync(existing), relative(existing, path)))) throw leadsOut();
    }
    mkdirSync(dirname(path), { recursive: true });
    if (this.confined && !isInside(realpathSync(this.baseDir), resolvePath(realpathSync(dirname(path)), basename(path)))) throw leadsOut();
  }

  open(target: string): Sink {
    const path = this.resolve(target);
    let sink = this.#sinks.get(path);
    if (!sink) {
      if (path === '-') sink = new StreamSink(target, path, this.stdout, false);
      else {
        this.makeFolderFor(path, target);
        // Never through a link at the file's name, never into a FIFO or a device planted there.
        const fd = openRegularForWriting(path, 'truncate');
        sink = new StreamSink(target, path, createWriteStream('', { fd }), true);
      }
      this.#sinks.set(path, sink);
    }
    return sink;
  }

  /** Uses `sink` for its path from now on (a file whose rows are checkpointed, see checkpointed-file.ts). */
  add(sink: Sink): void {
    this.#sinks.set(sink.path, sink);
  }

  /** Lines written to a path in this run, if it was opened. */
  linesOf(path: string): number | undefined {
    return this.#sinks.get(path)?.lines;
  }

  get all(): Sink[] {
    return [...this.#sinks.values()];
  }

  async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const sink of this.#sinks.values()) await sink.close().catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw errors[0];
  }
}
