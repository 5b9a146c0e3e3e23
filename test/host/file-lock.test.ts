import { describe, expect, test } from '@jest/globals';
import { mkdirSync, statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { FileLockError, lockFileSystem, lockFileSystemFor, withFileLocks } from '../../tooling/host/file-lock.js';
import { tempDir } from './helpers.js';

// Saves that read, change and write a file hold its lock: queued in order within the process,
// and locked across processes with proper-lockfile (tooling/host/file-lock.ts).

describe('withFileLocks', () => {
  test('queues work on the same file in the order it came, one at a time', async () => {
    const file = join(tempDir(), 'workspace.json');
    writeFileSync(file, '{}');
    const events: string[] = [];
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withFileLocks([file], async () => {
          running += 1;
          most = Math.max(most, running);
          events.push(`start ${i}`);
          await new Promise((resolve) => setImmediate(resolve));
          events.push(`end ${i}`);
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(events).toEqual(Array.from({ length: 10 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
  });

  test('a lock another process holds makes the save say nothing was saved, without doing the work', async () => {
    const file = join(tempDir(), 'workspace.json');
    writeFileSync(file, '{}');
    // Taken directly with proper-lockfile, as another designer process would.
    const release = await lockfile.lock(file, { realpath: false, fs: lockFileSystemFor(file) });
    let ran = false;
    try {
      const error = await withFileLocks([file], async () => {
        ran = true;
      }, { retries: 0 }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(FileLockError);
      expect((error as Error).message).toContain('is being saved by another program');
      expect((error as Error).message).toContain('nothing was saved');
    } finally {
      await release();
    }
    expect(ran).toBe(false);
    await withFileLocks([file], async () => {
      ran = true;
    }, { retries: 0 });
    expect(ran).toBe(true);
  });

  test('a lock left behind by a process that died is taken over once stale', async () => {
    const file = join(tempDir(), 'workspace.json');
    writeFileSync(file, '{}');
    mkdirSync(`${file}.lock`);
    // A minute before now on the file system's own clock (a shifted test clock does not move it).
    const fileSystemNow = statSync(file).mtimeMs;
    const aMinuteAgo = new Date(fileSystemNow - 60_000);
    utimesSync(`${file}.lock`, aMinuteAgo, aMinuteAgo);
    let ran = false;
    await withFileLocks([file], async () => {
      ran = true;
    }, { retries: 0 });
    expect(ran).toBe(true);
  });

  test("the lock's file system moves times onto the file system's clock and back", async () => {
    const dir = tempDir();
    const skew = 6 * 365 * 86_400_000;
    const adapter = lockFileSystem(skew);
    const when = new Date(Math.ceil(Date.now() / 1000) * 1000);
    await new Promise<void>((resolve, reject) => adapter.utimes(dir, when, when, (error) => (error ? reject(error) : resolve())));
    expect(statSync(dir).mtimeMs).toBe(when.getTime() - skew);
    const seen = await new Promise<Stats>((resolve, reject) => adapter.stat(dir, (error, stats) => (error ? reject(error) : resolve(stats!))));
    expect(seen.mtime.getTime()).toBe(when.getTime());
  });

  test('queues within the process only, leaving no lock folder, when asked to', async () => {
    const dir = tempDir();
    const release = await lockfile.lock(dir, { realpath: false, fs: lockFileSystemFor(dir) });
    try {
      let ran = false;
      await withFileLocks([dir], async () => {
        ran = true;
      }, { acrossProcesses: false, retries: 0 });
      expect(ran).toBe(true);
    } finally {
      await release();
    }
  });
});
