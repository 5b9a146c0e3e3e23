// A list can shift while it is paged: with `sorting: "-id"` every row created during the run
// goes first and pushes the others down, so the last rows of one page come back at the top of
// the next (and rows removed pull later ones up past the page boundary). Paging by from/count
// cannot see that; the rows' ids can. This remembers the ids handed on in a run and leaves out
// a row whose id was handed on already, so no row reaches the flow twice.
//
// Memory stays bounded: only the most recent ids are kept (`capacity`, 100,000 by default, a
// few MB). A row would have to be pushed down by more rows than that between two pages to come
// back unnoticed, which would take that many rows created during the run.
//
// Ids are a row's identity only where they are unique: a page that holds the same id twice
// shows that this list's ids are not (a report, a grouping), and from then on nothing is left
// out. Rows without an id (a `fields` selection without it) are always handed on.

const DEFAULT_REMEMBERED_IDS = 100_000;

type Id = string | number;

function idOf(row: unknown): Id | undefined {
  const id = typeof row === 'object' && row !== null ? (row as { id?: unknown }).id : undefined;
  return typeof id === 'number' || (typeof id === 'string' && id !== '') ? id : undefined;
}

export class HandedOnIds {
  readonly #capacity: number;
  readonly #seen = new Set<Id>();
  /** The ids in `#seen`, oldest first from `#head`: a ring over the last `capacity` ids. */
  readonly #order: Id[] = [];
  #head = 0;
  #left = 0;
  #unique = true;

  constructor(capacity = DEFAULT_REMEMBERED_IDS) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`HandedOnIds: capacity must be a whole number ≥ 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** Rows left out so far because their id had been handed on already. */
  get leftOut(): number {
    return this.#left;
  }

  /** The page's rows that have not been handed on yet, in their order; remembers them as handed on. */
  filter(values: readonly unknown[]): unknown[] {
    if (!this.#unique) return [...values];
    const onPage = new Set<Id>();
    for (const row of values) {
      const id = idOf(row);
      if (id === undefined) continue;
      if (onPage.has(id)) {
        // Not an identity here: hand on everything, as if ids were never looked at.
        this.#unique = false;
        this.#seen.clear();
        this.#order.length = 0;
        return [...values];
      }
      onPage.add(id);
    }
    const out: unknown[] = [];
    for (const row of values) {
      const id = idOf(row);
      if (id !== undefined && this.#seen.has(id)) {
        this.#left += 1;
        continue;
      }
      out.push(row);
      if (id !== undefined) this.#remember(id);
    }
    return out;
  }

  #remember(id: Id): void {
    this.#seen.add(id);
    if (this.#order.length < this.#capacity) {
      this.#order.push(id);
      return;
    }
    this.#seen.delete(this.#order[this.#head]!);
    this.#order[this.#head] = id;
    this.#head = (this.#head + 1) % this.#capacity;
  }
}
