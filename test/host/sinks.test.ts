import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { SinkSet } from '../../tooling/host/sinks.js';
import { tempDir, thrown } from './helpers.js';

describe('SinkSet', () => {
  test('never writes through a link at the file\'s name, into a FIFO or a device, and never truncates one', async () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'bashrc');
    writeFileSync(victim, 'keep me\n');
    symlinkSync(victim, join(dir, 'linked.ndjson'));
    execFileSync('mkfifo', [join(dir, 'pipe.ndjson')]);
    const sinks = new SinkSet(dir);
    expect(() => sinks.open('linked.ndjson')).toThrow(/linked\.ndjson is a symbolic link; rows are written only to a plain file/);
    // Refused at once: opening a FIFO for writing would otherwise wait for a reader.
    expect(() => sinks.open('pipe.ndjson')).toThrow(/pipe\.ndjson is a FIFO \(named pipe\), not a regular file; nothing was written to it/);
    expect(() => sinks.open('/dev/null')).toThrow(/\/dev\/null is a device, not a regular file; nothing was written to it/);
    await sinks.closeAll();
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
  });

  test('confined (the designer): a file outside the output folder, by path or through a linked folder, is refused', async () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(dir, 'elsewhere'));
    const sinks = new SinkSet(dir, undefined, true);
    for (const target of ['../escape.ndjson', '/tmp/escape.ndjson', 'out/../../escape.ndjson']) {
      expect(() => sinks.open(target)).toThrow(`"${target}" is outside the output folder`);
    }
    expect(() => sinks.open('elsewhere/rows.ndjson')).toThrow('"elsewhere/rows.ndjson" leads out of the output folder');
    await sinks.open('out/..inside.ndjson').writeLines([1]);
    await sinks.closeAll();
    expect(readFileSync(join(dir, 'out', '..inside.ndjson'), 'utf8')).toBe('1\n');
    // Unconfined (the CLI), the user's own paths are written where they say.
    const free = new SinkSet(dir);
    await free.open(join(outside, 'chosen.ndjson')).writeLines([2]);
    await free.closeAll();
    expect(readFileSync(join(outside, 'chosen.ndjson'), 'utf8')).toBe('2\n');
  });

  test('writes one JSON value per line, creating folders and truncating an old file once per run', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'rows.ndjson'), 'old content\n');
    const sinks = new SinkSet(dir);
    await sinks.open('out/rows.ndjson').writeLines([{ a: 1 }, 'text', null]);
    await sinks.open('out/rows.ndjson').writeLines([[1, 2]]);
    await sinks.open('deeper/still/more.ndjson').writeLines([{ b: 2 }]);
    await sinks.closeAll();
    expect(readFileSync(join(dir, 'out', 'rows.ndjson'), 'utf8')).toBe('{"a":1}\n"text"\nnull\n[1,2]\n');
    expect(readFileSync(join(dir, 'deeper', 'still', 'more.ndjson'), 'utf8')).toBe('{"b":2}\n');
    expect(sinks.all.map((s) => [s.target, s.lines])).toEqual([
      ['out/rows.ndjson', 4],
      ['deeper/still/more.ndjson', 1],
    ]);
  });

  test('writes rows as data, byte for byte: nothing in them is rewritten', async () => {
    const dir = tempDir();
    const sinks = new SinkSet(dir);
    const rows = [{ customerNumber: 10067, note: 'true', isInactive: false }];
    await sinks.open('rows.ndjson').writeLines(rows);
    await sinks.closeAll();
    expect(readFileSync(join(dir, 'rows.ndjson'), 'utf8')).toBe(JSON.stringify(rows[0]) + '\n');
  });

  test('"-" is standard output, which is never closed by the sink', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const sinks = new SinkSet(tempDir(), out);
    await sinks.open('-').writeLines([{ x: 1 }, { x: 2 }]);
    await sinks.closeAll();
    expect(chunks.join('')).toBe('{"x":1}\n{"x":2}\n');
    expect(out.writableEnded).toBe(false);
  });

  test('waits for a slow reader before taking more rows', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        release = callback;
      },
    });
    const sinks = new SinkSet(tempDir(), slow);
    let done = false;
    const pending = sinks
      .open('-')
      .writeLines([{ long: 'more than eight bytes' }])
      .then(() => {
        done = true;
      });
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toHaveLength(1);
    expect(done).toBe(false);
    release!();
    await pending;
    expect(done).toBe(true);
  });

  test('a large page goes out in slices of about 64 KB, in order, each waiting for the reader', async () => {
    const sizes: number[] = [];
    let text = '';
    let mostBuffered = 0;
    const slow: Writable = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        sizes.push(chunk.length);
        text += chunk.toString();
        // What the sink has handed over and the reader not yet taken.
        mostBuffered = Math.max(mostBuffered, slow.writableLength);
        setImmediate(callback);
      },
    });
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `Kunde ${i} ${'x'.repeat(200)}` }));
    const sinks = new SinkSet(tempDir(), slow);
    await sinks.open('-').writeLines(rows);
    expect(text).toBe(rows.map((row) => JSON.stringify(row) + '\n').join(''));
    // The whole page (over a megabyte) was never one string, nor waiting in the stream at once.
    expect(text.length).toBeGreaterThan(1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThan(64 * 1024 + 300);
    expect(mostBuffered).toBeLessThan(64 * 1024 + 300);
  });

  test('a file that cannot be written is reported with its path', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken.ndjson'));
    const sinks = new SinkSet(dir);
    const error = await thrown(async () => sinks.open('taken.ndjson'));
    expect(error.message).toMatch(/cannot write to .*taken\.ndjson \(EISDIR\)/);
  });
});
