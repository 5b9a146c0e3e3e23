import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdir, openSync, realpath, rmdir, rmdirSync, rmSync, stat, utimes, type PathLike, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Mutex } from 'async-mutex';
import type { lock as lockFunction } from 'proper-lockfile';
import { UsageError } from './errors.js';

// Saves that read a file, change it and write it back (the workspace, the secrets file) must
// not interleave, or one save's change is lost and a {"$secret"} can point at nothing. Within
// a process, an async-mutex per file queues them in order; across processes (two designers on
// one workspace, or on the one secrets file every workspace shares), proper-lockfile holds a
// lock folder beside the file (`<file>.lock`, made with mkdir, which is atomic) for as long
// as the save runs. A lock left by a process that died is taken over once it is stale.

/** A lock folder not refreshed for this long is taken to be left over by a process that died. */
const STALE_MS = 10_000;
/** How long a save waits for another process's lock: at least 20 s, twice STALE_MS, so a left-over lock never blocks. */
const RETRIES = { retries: 30, factor: 1.3, minTimeout: 25, maxTimeout: 1_000, randomize: true };

const mutexes = new Map<string, Mutex>();

/**
 * proper-lockfile, loaded the first time a lock across processes is taken: it installs exit
 * handlers (signal-exit) when it loads, which commands that never save have no use for.
 */
let lockFileModule: Promise<{ lock: typeof lockFunction }> | undefined;
function properLockfile(): Promise<{ lock: typeof lockFunction }> {
  lockFileModule ??= import('proper-lockfile').then((module) => (module as unknown as { default: { lock: typeof lockFunction } }).default);
  return lockFileModule;
}

function mutexFor(path: string): Mutex {
  let mutex = mutexes.get(path);
  if (!mutex) {
    mutex = new Mutex();
    mutexes.set(path, mutex);
  }
  return mutex;
}

/**
 * How far Date.now() is ahead of the file system's clock in `folder`, in whole seconds; 0 when
 * they agree within 2 s. Read from the mtime of a file written just now.
 */
function clockSkewIn(folder: string): number {
  const probe = join(folder, `.lock-clock.${randomBytes(8).toString('hex')}`);
  const before = Date.now();
  const fd = openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const skew = before - fstatSync(fd).mtimeMs;
    return Math.abs(skew) < 2_000 ? 0 : Math.round(skew / 1_000) * 1_000;
  } finally {
    closeSync(fd);
    rmSync(probe, { force: true });
  }
}

type Callback<T> = (error: NodeJS.ErrnoException | null, value?: T) => void;

/**
 * The file system as proper-lockfile sees it. It tells a stale lock by comparing the lock
 * folder's mtime with Date.now(), which takes both from one clock; they are not always one: a
 * process whose wall clock is moved (libfaketime, in the suite's shifted-clock pass) still gets
 * the kernel's own times on the files it makes, and its fresh lock would look years old to the
 * other process, which would take it over. So times written are moved onto the file system's
 * clock and times read back onto the process's: every process then judges a lock by the file
 * system's clock alone. With no skew the calls pass through unchanged. (A whole number of
 * seconds keeps proper-lockfile's probe of the mtime precision true.)
 */
export function lockFileSystem(skewMs: number) {
  const shift = (time: Date | number | string, by: number) => new Date(new Date(time).getTime() + by);
  return {
    mkdir,
    realpath,
    rmdir,
    rmdirSync,
    stat: (path: PathLike, callback: Callback<Stats>) =>
      stat(path, (error, stats) => {
        if (!error && skewMs !== 0) stats.mtime = shift(stats.mtime, skewMs);
        callback(error, stats);
      }),
    utimes: (path: PathLike, atime: Date, mtime: Date, callback: (error: NodeJS.ErrnoException | null) => void) => utimes(path, shift(atime, -skewMs), shift(mtime, -skewMs), callback),
  };
}

/** One adapter per folder (proper-lockfile caches what it learns about the file system on it). */
const fileSystems = new Map<string, ReturnType<typeof lockFileSystem>>();

export function lockFileSystemFor(file: string): ReturnType<typeof lockFileSystem> {
  const folder = dirname(file);
  let adapter = fileSystems.get(folder);
  if (!adapter) {
    adapter = lockFileSystem(clockSkewIn(folder));
    fileSystems.set(folder, adapter);
  }
  return adapter;
}

/** A save could not take a file's lock, or lost it: nothing (or not everything) was saved, and the message says which. */
export class FileLockError extends UsageError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'FileLockError';
  }
}

/**
 * Runs `work` while holding every file's lock, in this process and across processes. Locks
 * are taken in one order (sorted paths), in-process first, so two callers cannot wait on each
 * other. The files' folders must exist. `acrossProcesses: false` queues within this process
 * only, and leaves no lock folder beside the files. Throws a FileLockError, before `work` starts, when
 * another process holds a lock for longer than it takes to go stale.
 */
export interface FileLockOptions {
  /** False: queue within this process only. */
  acrossProcesses?: boolean;
  /** How often to try another process's lock again before giving up (tests shorten the wait). */
  retries?: number;
}

export async function withFileLocks<T>(paths: string[], work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const files = [...new Set(paths.map((path) => resolve(path)))].sort();
  const releases: (() => void)[] = [];
  const unlocks: (() => Promise<void>)[] = [];
  let compromised: string | undefined;
  try {
    for (const file of files) releases.push(await mutexFor(file).acquire());
    for (const file of options.acrossProcesses === false ? [] : files) {
      const lockfile = await properLockfile();
      try {
        unlocks.push(
          await lockfile.lock(file, {
            realpath: false,
            fs: lockFileSystemFor(file),
            stale: STALE_MS,
            retries: options.retries === undefined ? RETRIES : { ...RETRIES, retries: options.retries },
            // The default throws from a timer, which would end the process.
            onCompromised: () => {
              compromised ??= file;
            },
          }),
        );
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new FileLockError(
          code === 'ELOCKED'
            ? `${file} is being saved by another program (its lock ${file}.lock is held), so nothing was saved; try again in a moment`
            : `${file} could not be locked for saving (${code ?? (error as Error).message}), so nothing was saved`,
          file,
        );
      }
    }
    const result = await work();
    if (compromised) {
      throw new FileLockError(`The lock on ${compromised} was lost while saving (another program may have saved it at the same time); reload and check that the change is there`, compromised);
    }
    return result;
  } finally {
    for (const unlock of unlocks.reverse()) await unlock().catch(() => undefined);
    for (const release of releases.reverse()) release();
  }
}

/** A run's lock on a file it writes for minutes or hours: given up quickly when a killed run left it. */
const RUN_STALE_MS = 5_000;
/** Long enough for a lock left by a killed run to go stale (RUN_STALE_MS), and no longer. */
const RUN_RETRIES = { retries: 14, factor: 1.2, minTimeout: 100, maxTimeout: 1_000, randomize: true };

/**
 * Holds `path`'s lock across processes until the returned function releases it: a run that
 * writes a file (rows and their checkpoint) for as long as the run lasts. Two runs started at
 * the same moment on one file cannot both have it; a lock left by a run that was killed goes
 * stale within seconds (it is refreshed while its run lives) and is then taken over. Throws a
 * FileLockError when another live process holds it. The file's folder must exist.
 */
export async function holdFileLock(path: string, describe: (file: string) => string): Promise<() => Promise<void>> {
  const file = resolve(path);
  const lockfile = await properLockfile();
  try {
    return await lockfile.lock(file, {
      realpath: false,
      fs: lockFileSystemFor(file),
      stale: RUN_STALE_MS,
      retries: RUN_RETRIES,
      // Lost while the run went on (a machine that slept past the stale time): the checkpoint's
      // own record of its writer still stops a second run; the default would throw from a timer.
      onCompromised: () => undefined,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileLockError(code === 'ELOCKED' ? describe(file) : `${file} could not be locked for writing (${code ?? (error as Error).message})`, file);
  }
}
