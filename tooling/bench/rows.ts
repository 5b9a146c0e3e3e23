import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
// Every pass asks for its list in a known order (customers by id, postings by date), so a pass
// that sees as many rows as the list holds, each id once, in that order, has seen every row
// exactly once: a lost row would leave the count short, a repeated one would show as a repeated
// id (or break the rise of ids). Only ids are kept (as a bit set), so the check costs little memory.

export interface RowOrder {
  /** What the rows are sorted by: strictly rising ids, or a field that never falls (ids then only unique). */
  by: 'id' | { field: string };
}

export class RowCheck {
  rows = 0;
  #lastId = -Infinity;
  #lastKey: string | number | undefined;
  #outOfOrder = 0;
  #repeated = 0;
  #withoutId = 0;
  readonly #seen = new Set<number>();
  readonly #order: RowOrder;

  constructor(order: RowOrder = { by: 'id' }) {
    this.#order = order;
  }

  add(values: readonly unknown[]): void {
    for (const row of values) this.addRow(row);
  }

  addRow(row: unknown): void {
    this.rows += 1;
    const record = typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : undefined;
    const id = record?.id;
    if (typeof id !== 'number') {
      this.#withoutId += 1;
      return;
    }
    if (this.#order.by === 'id') {
      if (!(id > this.#lastId)) this.#outOfOrder += 1;
      this.#lastId = id;
      return;
    }
    if (this.#seen.has(id)) this.#repeated += 1;
    this.#seen.add(id);
    const key = record?.[this.#order.by.field];
    if (typeof key !== 'string' && typeof key !== 'number') this.#outOfOrder += 1;
    else {
      if (this.#lastKey !== undefined && key < this.#lastKey) this.#outOfOrder += 1;
      this.#lastKey = key;
    }
  }

  /** Undefined when every expected row arrived once, in order; otherwise what went wrong. */
  problem(expected: number): string | undefined {
    const wrong: string[] = [];
    if (this.rows !== expected) wrong.push(`${this.rows} rows where ${expected} were expected`);
    if (this.#repeated > 0) wrong.push(`${this.#repeated} ids seen twice`);
    if (this.#outOfOrder > 0) wrong.push(`${this.#outOfOrder} rows out of order (repeated or misplaced)`);
    if (this.#withoutId > 0) wrong.push(`${this.#withoutId} rows without a numeric id`);
    return wrong.length > 0 ? wrong.join('; ') : undefined;
  }
}

/** Whether an NDJSON file holds every row once, in id order, `expected` in all: a problem in words, or undefined. */
export async function checkNdjsonFile(file: string, expected: number): Promise<string | undefined> {
  const rows = new RowCheck();
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) if (line) rows.addRow(JSON.parse(line));
  return rows.problem(expected);
}
