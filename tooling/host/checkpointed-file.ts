import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, checkpointPath, removeCheckpoint, writeCheckpoint, type Checkpoint, type Identity } from './checkpoint.js';
import { displayPath, plural } from './display.js';
import { ndjsonSlices } from './ndjson-slices.js';
import { UsageError } from './errors.js';
import { kindOf } from './safe-files.js';
import type { Sink } from './sinks.js';

// The NDJSON file a paging step writes its rows to, page by page, with a checkpoint beside it
// (checkpoint.ts). Each page's rows are written and flushed to the disk first; only then does
// the checkpoint move on to the page's end and its resume point. So whatever stops the process,
// the checkpoint never claims a row that is not on the disk, and the rows after it are cut off
// by the run that continues. Rows are data: JSON.stringify of each value as the action emitted
// it, one per line, never redacted.

export interface FileOwner {
  step: string;
  identity: Identity;
}

/** How the host says "continue" and "start over" (the CLI's flags, the designer's buttons). */
export interface ResumeWords {
  /** e.g. "continue it with --resume" */
  resume: string;
  /** e.g. "start over with --overwrite" */
  overwrite: string;
}

const NO_RESUME = "the action's pages carry no resume point, so a run cannot continue where this one stopped";

export class CheckpointedFile implements Sink {
  lines: number;
  #pages: number;
  #bytes: number;
  #checkpoint: Checkpoint;
  #closed = false;
  /** The write in progress: a page the host stopped waiting for (Ctrl+C) still completes before the file is closed. */
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly target: string,
    readonly path: string,
    private readonly handle: FileHandle,
    checkpoint: Checkpoint,
  ) {
    this.#checkpoint = checkpoint;
    this.lines = checkpoint.lines;
    this.#pages = checkpoint.pages;
    this.#bytes = checkpoint.bytes;
  }

  /**
   * A new run of the file: its checkpoint is written first, so that even a crash before the first
   * page leaves F marked unfinished. Its folder exists: RunCheckpoints made it (through the
   * SinkSet, which keeps a confined run inside its output folder) before taking the file's lock.
   */
  static async start(target: string, path: string, owner: FileOwner): Promise<CheckpointedFile> {
    const checkpoint = newCheckpoint(path, owner, true);
    await writeCheckpoint(checkpoint, true);
    let handle: FileHandle;
    try {
      handle = await openFile(path, constants.O_CREAT, undefined, true);
    } catch (error) {
      // Nothing was written: no run of the file to record.
      await removeCheckpoint(path).catch(() => undefined);
      throw error;
    }
    return new CheckpointedFile(target, path, handle, checkpoint);
  }

  /** Continues the file of an unfinished run: cut back to its last durable page (a torn last line disappears), then appended to. */
  static async continue(target: string, path: string, owner: FileOwner, previous: Checkpoint, words: ResumeWords): Promise<CheckpointedFile> {
    const handle = await openFile(path, previous.bytes === 0 ? constants.O_CREAT : 0, words);
    try {
      const size = (await handle.stat()).size;
      if (size < previous.bytes) {
        throw new UsageError(
          `${displayPath(path)} is shorter (${plural(size, 'byte')}) than its checkpoint says it was (${plural(previous.bytes, 'byte')}): it was changed since the run stopped, so it cannot be continued; ${words.overwrite}.`,
        );
      }
      await handle.truncate(previous.bytes);
      await handle.datasync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    const checkpoint: Checkpoint = { ...previous, step: owner.step, identity: owner.identity, state: 'running', pid: process.pid, updatedAt: new Date().toISOString() };
    await writeCheckpoint(checkpoint, true);
    return new CheckpointedFile(target, path, handle, checkpoint);
  }

  get checkpoint(): Checkpoint {
    return this.#checkpoint;
  }

  /** Rows written outside a page (another step naming the same file): on the disk, but not in the checkpoint until the next page. */
  writeLines(values: unknown[]): Promise<void> {
    return this.#serial(() => this.#append(values));
  }

  /** One page: its rows made durable, then the checkpoint moved past them. */
  writePage(values: unknown[], resume: unknown): Promise<void> {
    return this.#serial(() => this.#writePage(values, resume));
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#pending.then(work);
    this.#pending = next.catch(() => undefined);
    return next;
  }

  async #writePage(values: unknown[], resume: unknown): Promise<void> {
    if (this.#closed) throw new Error(`${displayPath(this.path)} was closed`);
    await this.#append(values);
    await this.handle.datasync();
    this.#pages += 1;
    await this.#save({
      bytes: this.#bytes,
      lines: this.lines,
      pages: this.#pages,
      ...(resume === undefined ? { resumable: NO_RESUME, resume: null } : { resume }),
    });
  }

  /** The run ended without finishing the file: the checkpoint stays, saying how. */
  async settle(state: Checkpoint['state']): Promise<void> {
    await this.close();
    await this.#pending;
    if (this.#checkpoint.state !== state) await this.#save({ state });
  }

  /** The run finished the file: flushed, and its checkpoint removed. */
  async finish(): Promise<void> {
    await this.#pending;
    if (!this.#closed) await this.handle.datasync();
    await this.close();
    await removeCheckpoint(this.path);
  }

  async close(): Promise<void> {
    await this.#pending;
    if (this.#closed) return;
    this.#closed = true;
    await this.handle.close();
  }

  async #append(values: unknown[]): Promise<void> {
    if (values.length === 0) return;
    // Written at the position the file is known to end at, so a cut-back file is appended to
    // exactly; a slice at a time, so a large page is never all in one string and one buffer.
    let written = 0;
    for (const slice of ndjsonSlices(values)) {
      const buffer = Buffer.from(slice, 'utf8');
      let done = 0;
      while (done < buffer.length) {
        const { bytesWritten } = await this.handle.write(buffer, done, buffer.length - done, this.#bytes + written + done);
        done += bytesWritten;
      }
      written += buffer.length;
    }
    this.#bytes += written;
    this.lines += values.length;
  }

  async #save(change: Partial<Checkpoint>): Promise<void> {
    // A step that has stopped resuming stays so: a later page must not make it resumable again.
    const resumable = this.#checkpoint.resumable !== true ? this.#checkpoint.resumable : (change.resumable ?? true);
    this.#checkpoint = { ...this.#checkpoint, ...change, resumable, updatedAt: new Date().toISOString() };
    await writeCheckpoint(this.#checkpoint);
  }
}

/** Writes a marker checkpoint for a file whose run cannot be continued, so that it is not started over silently while unfinished. */
export async function markUnfinished(path: string, owner: FileOwner, why: string): Promise<Checkpoint> {
  const checkpoint = newCheckpoint(path, owner, why);
  await writeCheckpoint(checkpoint, true);
  return checkpoint;
}

/**
 * Opens the file for writing without following a link at its name, and only a regular file: a
 * FIFO or a device planted there is refused without waiting on it (O_NONBLOCK) and before
 * anything is cut (`truncate` comes after the check).
 */
async function openFile(path: string, flags: number, words: ResumeWords | undefined, truncate = false): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | flags, 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UsageError(`${displayPath(path)} is a symbolic link; rows are written only to a plain file`);
    if (code === 'ENXIO') throw new UsageError(`${displayPath(path)} is a FIFO (named pipe), not a regular file; rows are written only to a plain file`);
    if (code === 'ENOENT') throw new UsageError(`${displayPath(path)} is missing, but its checkpoint (${displayPath(checkpointPath(path))}) says it holds rows of an unfinished run${words ? `; ${words.overwrite}` : ''}`);
    throw new Error(`cannot write to ${displayPath(path)} (${code ?? 'error'})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UsageError(`${displayPath(path)} is ${kindOf(stats)}, not a regular file; rows are written only to a plain file`);
    if (truncate) await handle.truncate(0);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** The checkpoint of a run that is starting the file: nothing written yet, this process writing it. */
function newCheckpoint(path: string, owner: FileOwner, resumable: true | string): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    file: path,
    step: owner.step,
    identity: owner.identity,
    resumable,
    resume: null,
    bytes: 0,
    lines: 0,
    pages: 0,
    state: 'running',
    pid: process.pid,
    updatedAt: new Date().toISOString(),
  };
}
