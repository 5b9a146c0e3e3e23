// Both passes ask for the list sorted by id, so a pass that sees strictly rising ids, as many
// as were seeded, has seen every row exactly once: a lost row would leave the count short and
// a repeated one would break the rise. Nothing is kept, so the check costs no memory.

export class RowCheck {
  rows = 0;
  #last = -Infinity;
  #outOfOrder = 0;
  #withoutId = 0;

  add(values: readonly unknown[]): void {
    for (const row of values) {
      const id = typeof row === 'object' && row !== null ? (row as { id?: unknown }).id : undefined;
      if (typeof id !== 'number') this.#withoutId += 1;
      else {
        if (!(id > this.#last)) this.#outOfOrder += 1;
        this.#last = id;
      }
    }
    this.rows += values.length;
  }

  /** Undefined when every seeded row arrived once; otherwise what went wrong. */
  problem(expected: number): string | undefined {
    const wrong: string[] = [];
    if (this.rows !== expected) wrong.push(`${this.rows} rows where ${expected} were seeded`);
    if (this.#outOfOrder > 0) wrong.push(`${this.#outOfOrder} rows out of id order (repeated or misplaced)`);
    if (this.#withoutId > 0) wrong.push(`${this.#withoutId} rows without a numeric id`);
    return wrong.length > 0 ? wrong.join('; ') : undefined;
  }
}
