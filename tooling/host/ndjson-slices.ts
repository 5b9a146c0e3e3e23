// NDJSON text of a page, a slice at a time: a page of 5,000 rows made into one string would
// exist twice more (the text, then its bytes) while it is written, about 14 MB at once.

/** About how much NDJSON text one slice holds (it ends at a line's end, so it may hold a little more). */
export const WRITE_SLICE_CHARS = 64 * 1024;

/** The lines of `values` (JSON.stringify of each, as emitted), joined into slices of about WRITE_SLICE_CHARS. */
export function* ndjsonSlices(values: readonly unknown[]): Generator<string> {
  let chunk = '';
  for (const value of values) {
    chunk += (JSON.stringify(value) ?? 'null') + '\n';
    if (chunk.length >= WRITE_SLICE_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
