import { describe, expect, test } from '@jest/globals';
import { ndjsonSlices, WRITE_SLICE_CHARS } from '../../tooling/host/ndjson-slices.js';

// Both NDJSON writers (standard output and a checkpointed --out file) take a page a slice at a
// time, so a page of 5,000 rows is never one string and one buffer at once.

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `Kunde ${i + 1}`, note: 'æøå "quoted" \\ text'.repeat(3) }));

describe('NDJSON slices', () => {
  test('a large page comes in slices of about 64 KB, each ending at a line end, together exactly the lines', () => {
    const page = rows(5000);
    const slices = [...ndjsonSlices(page)];
    const whole = page.map((row) => JSON.stringify(row) + '\n').join('');
    expect(slices.join('')).toBe(whole);
    expect(slices.length).toBeGreaterThan(Math.floor(whole.length / (WRITE_SLICE_CHARS * 2)));
    for (const slice of slices) {
      expect(slice.endsWith('\n')).toBe(true);
      const longestLine = Math.max(...page.map((row) => JSON.stringify(row).length + 1));
      expect(slice.length).toBeLessThan(WRITE_SLICE_CHARS + longestLine);
    }
  });

  test('a small page is one slice; an empty page none; a value JSON cannot write is a line of null', () => {
    expect([...ndjsonSlices([{ id: 1 }, 'text', 3])]).toEqual(['{"id":1}\n"text"\n3\n']);
    expect([...ndjsonSlices([])]).toEqual([]);
    expect([...ndjsonSlices([undefined, () => 1])]).toEqual(['null\nnull\n']);
  });
});
