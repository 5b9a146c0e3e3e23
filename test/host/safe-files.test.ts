import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { fileIdentity, MAX_READ_BYTES, readFileInside, writeFileReplacing } from '../../tooling/host/safe-files.js';
import { tempDir } from './helpers.js';

// Reads that open only regular files inside their folder, and writes that never go through a
// link (tooling/host/safe-files.ts).

describe('writeFileReplacing', () => {
  test('replaces a link at the target with the file, leaving what it pointed to untouched', () => {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(dir, 'flow.json'));
    writeFileReplacing(join(dir, 'flow.json'), '{"new": true}\n');
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(join(dir, 'flow.json')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'flow.json'), 'utf8')).toBe('{"new": true}\n');
    expect(readdirSync(dir).sort()).toEqual(['flow.json', 'victim']);
  });

  test('keeps the mode the file had, or takes the one asked for', () => {
    const dir = tempDir();
    const file = join(dir, 'private.json');
    writeFileSync(file, 'old', { mode: 0o600 });
    writeFileReplacing(file, 'new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileReplacing(join(dir, 'secret.json'), 'x', { mode: 0o600 });
    expect(statSync(join(dir, 'secret.json')).mode & 0o777).toBe(0o600);
  });

  test('leaves no temporary file behind when the rename fails', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'inside'), 'a folder that is not empty cannot be replaced');
    expect(() => writeFileReplacing(join(dir, 'taken'), 'text')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

describe('readFileInside', () => {
  test('reads a regular file, and a link to another file in the same folder', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), 'A');
    symlinkSync('a.json', join(dir, 'b.json'));
    expect(readFileInside(join(dir, 'a.json'), dir)).toEqual({ text: 'A' });
    expect(readFileInside(join(dir, 'b.json'), dir)).toEqual({ text: 'A' });
  });

  test('refuses a link that leads out of the folder, or nowhere', () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret'), 'never read');
    const dir = tempDir();
    symlinkSync(join(outside, 'secret'), join(dir, 'out.json'));
    symlinkSync('../' + 'x'.repeat(3), join(dir, 'up.json'));
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling.json'));
    expect(readFileInside(join(dir, 'out.json'), dir)).toEqual({ refused: expect.stringContaining('leads out of its folder') });
    expect(readFileInside(join(dir, 'dangling.json'), dir)).toEqual({ refused: expect.stringContaining('does not exist') });
    expect(readFileInside(join(dir, 'up.json'), dir)).toEqual({ refused: expect.stringContaining('does not exist') });
  });

  test('refuses a FIFO, a device and a folder without opening them', () => {
    const dir = tempDir();
    expect(spawnSync('mkfifo', [join(dir, 'pipe.json')]).status).toBe(0);
    mkdirSync(join(dir, 'folder.json'));
    expect(readFileInside(join(dir, 'pipe.json'), dir)).toEqual({ refused: expect.stringContaining('is a FIFO (named pipe), not a regular file; it was not opened') });
    expect(readFileInside(join(dir, 'folder.json'), dir)).toEqual({ refused: expect.stringContaining('is a folder') });
    expect(readFileInside('/dev/zero', '/dev')).toEqual({ refused: expect.stringContaining('is a device') });
  });

  test('refuses a forbidden file under any name, a hard link included', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.json'), '{}');
    linkSync(join(dir, 'secrets.json'), join(dir, 'other-name.json'));
    const forbidden = [fileIdentity(join(dir, 'secrets.json'))];
    expect(readFileInside(join(dir, 'other-name.json'), dir, { forbidden })).toEqual({ refused: expect.stringContaining('secrets file') });
  });

  test('refuses a file larger than the limit unread', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'huge.json'), Buffer.alloc(MAX_READ_BYTES + 1, 0x20));
    expect(readFileInside(join(dir, 'huge.json'), dir)).toEqual({ refused: expect.stringContaining('larger than 8 MB') });
  });
});
