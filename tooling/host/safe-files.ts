import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync, fsyncSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { displayPath } from './display.js';

// Reading and writing the files the designer keeps (flows, the workspace, the secrets file) in
// folders that may hold links a person did not put there: a cloned repository can carry a link
// named like a flow, or like the temporary file a save writes. So:
// - a write goes to a temporary file with a fresh unpredictable name, created exclusively and
//   without following a link (O_CREAT|O_EXCL|O_NOFOLLOW: nothing planted at that name is
//   written through), then renamed over the target, which replaces a link rather than
//   writing where it points;
// - a read opens only a regular file, inside the folder it belongs to (a link may point to
//   another file in that folder, never out of it), and never blocks on a FIFO or a device:
//   those are refused with the reason, without being opened.

/** Bytes of a flow or workspace file past which it is refused unread (they are a few kilobytes). */
export const MAX_READ_BYTES = 8 * 1024 * 1024;

/** The permission bits of a regular file at path, when there is one (a link is not looked through). */
function modeOf(path: string): number | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isFile() ? stats.mode & 0o777 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes text to path through an exclusive temporary file in the same folder, then renames it
 * over path. `mode` is the new file's permission bits (the umask may only remove some); by
 * default the file keeps the bits it had, and a new one gets 0666 less the umask.
 */
export function writeFileReplacing(path: string, text: string, options: { mode?: number } = {}): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? modeOf(path) ?? 0o666);
  let renamed = false;
  try {
    try {
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      // On disk before the rename makes it the file: a crash leaves the old file or the new one, whole.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    renamed = true;
  } finally {
    if (!renamed) rmSync(temporary, { force: true });
  }
}

/** What kind of thing a non-regular file is, in words. */
export function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a link';
  return 'not a regular file';
}

/** Whether `path` lies below `folder` (both as given: resolve links first where that matters). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Opens a file for writing rows (truncated, or for appending) without following a link at its
 * name, and only when it is a regular file or does not exist yet: a FIFO or a device planted at
 * the name is refused without waiting on it (O_NONBLOCK) and without being truncated (the
 * truncation comes after the check). Returns the descriptor; throws an Error naming the file.
 */
export function openRegularForWriting(path: string, mode: 'truncate' | 'append'): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK | (mode === 'append' ? constants.O_APPEND : 0), 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${displayPath(path)} is a symbolic link; rows are written only to a plain file`);
    if (code === 'ENXIO') throw new Error(`${displayPath(path)} is a FIFO (named pipe), not a regular file; nothing was written to it`);
    throw new Error(`cannot write to ${displayPath(path)} (${code ?? 'error'})`);
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new Error(`${displayPath(path)} is ${kindOf(stats)}, not a regular file; nothing was written to it`);
  }
  if (mode === 'truncate') ftruncateSync(fd, 0);
  return fd;
}

/** A file's identity (device and inode), to tell it under any name or link. */
export function fileIdentity(path: string): { dev: number; ino: number } | undefined {
  try {
    const stats = statSync(path);
    return { dev: stats.dev, ino: stats.ino };
  } catch {
    return undefined;
  }
}

export type InsideRead = { text: string } | { refused: string };

/**
 * Reads a regular file that is in `folder`, or says why it will not: a link that leads out of
 * the folder (or nowhere), a FIFO, a device, a folder, a file larger than MAX_READ_BYTES, or one
 * of the `forbidden` files (the secrets file, under whatever name or hard link it is reached).
 * Anything but a regular file is never opened. Errors other than these (permission denied)
 * are refusals too, named by their code.
 */
export function readFileInside(path: string, folder: string, options: { forbidden?: ({ dev: number; ino: number } | undefined)[] } = {}): InsideRead {
  let target = path;
  let stats: Stats;
  try {
    stats = lstatSync(path);
    if (stats.isSymbolicLink()) {
      let resolved: string;
      try {
        resolved = realpathSync(path);
      } catch {
        return { refused: 'is a link to something that does not exist' };
      }
      if (!isInside(realpathSync(folder), resolved)) return { refused: 'is a link that leads out of its folder; only files inside it are read' };
      target = resolved;
      stats = lstatSync(target);
    }
  } catch (error) {
    return { refused: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})` };
  }
  if (!stats.isFile()) return { refused: `is ${kindOf(stats)}, not a regular file; it was not opened` };
  if (stats.size > MAX_READ_BYTES) return { refused: `is larger than ${MAX_READ_BYTES / (1024 * 1024)} MB` };
  if (options.forbidden?.some((id) => id && id.dev === stats.dev && id.ino === stats.ino)) return { refused: 'is the secrets file (under another name); its content is never shown' };
  let fd: number;
  try {
    // O_NONBLOCK: should the file have been swapped for a FIFO since it was looked at, the
    // open returns at once instead of waiting for a writer, and the check below refuses it.
    fd = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { refused: code === 'ELOOP' ? 'became a link while being read' : `cannot be read (${code ?? 'unknown error'})` };
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.dev !== stats.dev || opened.ino !== stats.ino) return { refused: 'changed while being read; try again' };
    if (opened.size > MAX_READ_BYTES) return { refused: `is larger than ${MAX_READ_BYTES / (1024 * 1024)} MB` };
    return { text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}
