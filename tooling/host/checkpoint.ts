import { randomBytes } from 'node:crypto';
import { constants, lstatSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { displayPath, plural } from './display.js';
import { UsageError } from './errors.js';
import { readFileInside } from './safe-files.js';
import { isPlainObject } from './schema-tools.js';

// The checkpoint beside an NDJSON file a run writes rows to: F.checkpoint, present while F holds
// an unfinished run, removed when the run ends normally. It says how many bytes of F are whole,
// durable pages, and where the action continues after them (the last page's `resume`). A run
// that continues (--resume, Continue) cuts F back to those bytes, so a half-written last line,
// or rows written after the last checkpoint, disappear, and asks the action for the rows after
// that point: every row lands in F exactly once, whatever stopped the run (Ctrl+C, Cancel, an
// error, a crash or SIGKILL). The checkpoint also names what wrote F (`identity`), so that a
// different command or flow cannot continue it, and a run that would start F over is refused
// while F holds unfinished work.
//
// A checkpoint is replaced atomically: written whole to a new file with an unpredictable name
// (created exclusively, never through a link), flushed, then renamed over the old one. A crash
// leaves the old checkpoint or the new one, never a mix. The folder is flushed when a checkpoint
// is first created (so that a file with rows never outlives the mark that it is unfinished),
// not on every replacement: a replacement lost in a crash leaves the one before, which still
// holds (the file's rows were flushed before it was written), and only costs a page read again.

export const CHECKPOINT_SUFFIX = '.checkpoint';
/** What a checkpoint file says it is, and the version of its layout this code reads and writes. */
export const CHECKPOINT_FORMAT = 'flow-tripletex checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What wrote a file, as named facets a host can compare and print ("--query" → "dateFrom=… dateTo=…"). Never a secret. */
export type Identity = Record<string, string>;

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  /** The NDJSON file (absolute). */
  file: string;
  /** The step that writes its rows. */
  step: string;
  identity: Identity;
  /** True when a run can continue the file; otherwise why not. */
  resumable: true | string;
  /** Where the step continues after the last durable page; null: from its start. */
  resume: unknown;
  /** Bytes of the file that hold whole, durable pages. */
  bytes: number;
  lines: number;
  pages: number;
  /** How the run that wrote it ended, as far as it could say: running (it may have been killed), cancelled, failed, stopped early. */
  state: 'running' | 'cancelled' | 'failed' | 'stopped early';
  /** The process that wrote it (a live one other than ours means another run is writing the file). */
  pid: number;
  updatedAt: string;
}

export function checkpointPath(file: string): string {
  return file + CHECKPOINT_SUFFIX;
}

/** The checkpoint beside `file`, or undefined when there is none. A checkpoint that cannot be read is a usage error naming it. */
export async function readCheckpoint(file: string, overwrite = 'start over with --overwrite'): Promise<Checkpoint | undefined> {
  const path = checkpointPath(file);
  try {
    lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  }
  // Read like the designer's own files: only a regular file in F's folder, and a FIFO planted at
  // the name is refused rather than waited on (the run holds F's lock meanwhile).
  const read = readFileInside(path, dirname(path));
  if ('refused' in read) throw new UsageError(`${displayPath(path)}: the checkpoint of ${displayPath(file)} ${read.refused}`);
  const text = read.text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const ok =
    isPlainObject(value) &&
    value.format === CHECKPOINT_FORMAT &&
    value.version === CHECKPOINT_VERSION &&
    typeof value.step === 'string' &&
    isPlainObject(value.identity) &&
    Number.isSafeInteger(value.bytes) &&
    (value.bytes as number) >= 0 &&
    Number.isSafeInteger(value.lines) &&
    Number.isSafeInteger(value.pages);
  if (!ok) {
    throw new UsageError(
      `${displayPath(path)} is not a checkpoint this version can read, so ${displayPath(file)} may hold an unfinished run. Remove the checkpoint to treat the file as finished, or ${overwrite}.`,
    );
  }
  return { ...(value as unknown as Checkpoint), file };
}

/** Replaces the checkpoint beside checkpoint.file atomically (see the top); `created` flushes the folder too. */
export async function writeCheckpoint(checkpoint: Checkpoint, created = false): Promise<void> {
  const path = checkpointPath(checkpoint.file);
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.${randomBytes(12).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(JSON.stringify(checkpoint, null, 2) + '\n', 'utf8');
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  if (created) await syncFolder(folder);
}

export async function removeCheckpoint(file: string): Promise<void> {
  try {
    await unlink(checkpointPath(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return;
  }
  await syncFolder(dirname(file));
}

/** A rename or unlink is durable once its folder is flushed (not every file system allows that: then it is as durable as it gets). */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

/** The facets that differ, in words: `--query: was "a=1", now "a=2"`. */
export function identityDifferences(then: Identity, now: Identity): string[] {
  const keys = [...new Set([...Object.keys(then), ...Object.keys(now)])];
  return keys.filter((key) => then[key] !== now[key]).map((key) => `${key}: was ${shown(then[key])}, now ${shown(now[key])}`);
}

function shown(value: string | undefined): string {
  return value === undefined || value === '' ? '(none)' : JSON.stringify(value);
}

/**
 * Whether a process other than this one, that wrote a checkpoint, is still running (on this
 * machine). A killed run's number may have gone to another program since: where the system
 * says what a process runs (/proc), only a Node process counts.
 */
export function isOtherLiveProcess(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node/i.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

/** "3,000 rows in 3 pages, cancelled", for messages about a checkpoint. */
export function checkpointSummary(checkpoint: Pick<Checkpoint, 'lines' | 'pages' | 'state'>): string {
  const how = checkpoint.state === 'running' ? 'stopped while running (killed, or another run is still writing it)' : checkpoint.state;
  return `${plural(checkpoint.lines, 'row')} in ${plural(checkpoint.pages, 'page')}, ${how}`;
}
