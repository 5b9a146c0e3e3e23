import { valueAt } from './fields.js';

// One list of rows in one company. Seeded rows are generated on demand from their index, so a
// page of a 200k-row list costs a page of work; rows created through the API are appended with
// larger ids, so "index order" is always "id order", which is Tripletex's default order.
// Orders for other sort keys are computed once per (key, revision) and cached as index arrays.

export type Row = Record<string, unknown>;

export interface SortKey {
  path: string[];
  descending: boolean;
}

export interface CollectionSpec {
  name: string;
  baseCount: number;
  /** Strictly increasing in index. */
  idOf(index: number): number;
  /** The index whose id this is, or undefined. */
  indexOfId(id: number): number | undefined;
  generate(index: number): Row;
  /** Day numbers, non-decreasing in index, for collections that are searched by date. */
  days?: Int32Array;
  /** The row field `days` holds (an ISO date), so sorting on it needs no rows generated. */
  dayField?: string;
}

const collator = new Intl.Collator('nb', { sensitivity: 'base', numeric: false });

/**
 * Turns one sort key's values into numbers that sort the same way: strings by their rank under
 * Norwegian collation (æ, ø, å after z), so 200k rows are ordered with only a few thousand
 * collator calls. Missing values sort last in either direction, like NULLS LAST.
 */
function sortRanks(values: unknown[], descending: boolean): Float64Array {
  const strings = [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort(collator.compare);
  const rankOf = new Map<string, number>();
  strings.forEach((text, i) => {
    const previous = strings[i - 1];
    rankOf.set(text, previous !== undefined && collator.compare(previous, text) === 0 ? rankOf.get(previous)! : i);
  });
  const ranks = new Float64Array(values.length);
  values.forEach((value, i) => {
    let rank: number;
    if (typeof value === 'number') rank = value;
    else if (typeof value === 'boolean') rank = Number(value);
    else if (typeof value === 'string') rank = rankOf.get(value)!;
    else {
      ranks[i] = Infinity;
      return;
    }
    ranks[i] = descending ? -rank : rank;
  });
  return ranks;
}

export interface Selection {
  total: number;
  indexAt(position: number): number;
}

/** About 200 MB of text per collection: 100,000 customers, or a year of 120,000 postings. */
const JSON_CACHE_CHARS = 200_000_000;

export class Collection {
  readonly name: string;
  private readonly spec: CollectionSpec;
  private readonly added: Row[] = [];
  private readonly addedIndexById = new Map<number, number>();
  private sortCache = new Map<string, Int32Array>();
  private memos = new Map<string, unknown>();
  /** Rows as list pages send them, per `fields` selection (see rowJson). */
  private json = new Map<string, (string | undefined)[]>();
  private jsonChars = 0;
  revision = 0;

  constructor(spec: CollectionSpec) {
    this.name = spec.name;
    this.spec = spec;
  }

  get size(): number {
    return this.spec.baseCount + this.added.length;
  }

  get baseCount(): number {
    return this.spec.baseCount;
  }

  /** A row's id without generating the row. */
  idAt(index: number): number {
    if (index < this.spec.baseCount) return this.spec.idOf(index);
    return this.rowAt(index).id as number;
  }

  get lastId(): number {
    const last = this.added[this.added.length - 1];
    if (last) return last.id as number;
    return this.spec.baseCount > 0 ? this.spec.idOf(this.spec.baseCount - 1) : 0;
  }

  rowAt(index: number): Row {
    if (index < this.spec.baseCount) return this.spec.generate(index);
    const row = this.added[index - this.spec.baseCount];
    if (!row) throw new Error(`${this.name}: no row ${index}`);
    return row;
  }

  indexOfId(id: number): number | undefined {
    if (!Number.isSafeInteger(id)) return undefined;
    const base = this.spec.indexOfId(id);
    if (base !== undefined) return base;
    const extra = this.addedIndexById.get(id);
    return extra === undefined ? undefined : this.spec.baseCount + extra;
  }

  getById(id: number): Row | undefined {
    const index = this.indexOfId(id);
    return index === undefined ? undefined : this.rowAt(index);
  }

  add(row: Row): void {
    this.addedIndexById.set(row.id as number, this.added.length);
    this.added.push(row);
    this.revision++;
    this.sortCache = new Map();
    this.memos = new Map();
    this.json = new Map();
    this.jsonChars = 0;
  }

  /**
   * A row as JSON under a `fields` selection (`selection` names it, `render` makes it). A
   * benchmark pages the same rows again and again, and building and serialising a 1000-row
   * page costs the simulator more than a client spends on it, so rows are kept as text once
   * rendered, up to JSON_CACHE_CHARS per collection.
   */
  rowJson(index: number, selection: string, render: (row: Row) => string): string {
    let rendered = this.json.get(selection);
    const cached = rendered?.[index];
    if (cached !== undefined) return cached;
    const text = render(this.rowAt(index));
    if (this.jsonChars + text.length <= JSON_CACHE_CHARS) {
      if (!rendered) {
        rendered = [];
        this.json.set(selection, rendered);
      }
      rendered[index] = text;
      this.jsonChars += text.length;
    }
    return text;
  }

  /** Caches a derived value (a filter's matches) until the collection changes. */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    // Searches over many date ranges (a client narrowing a big ledger) would otherwise pile up.
    if (this.memos.size >= 256) this.memos = new Map();
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** A small collection over fixed rows (client companies); rows must be in id order. */
  static fromRows(name: string, rows: Row[]): Collection {
    const indexById = new Map(rows.map((row, i) => [row.id as number, i]));
    return new Collection({
      name,
      baseCount: rows.length,
      idOf: (i) => rows[i]!.id as number,
      indexOfId: (id) => indexById.get(id),
      generate: (i) => rows[i]!,
    });
  }

  /** [lo, hi) of the seeded rows whose day is in [fromDay, toDay). The To day is exclusive. */
  dayRange(fromDay: number, toDay: number): [number, number] {
    const days = this.spec.days;
    if (!days) return [0, this.size];
    const lowerBound = (day: number) => {
      let lo = 0;
      let hi = days.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (days[mid]! < day) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return [lowerBound(fromDay), lowerBound(toDay)];
  }

  private sortedOrder(keys: SortKey[]): Int32Array {
    const cacheKey = keys.map((k) => (k.descending ? '-' : '') + k.path.join('.')).join(',');
    const cached = this.sortCache.get(cacheKey);
    if (cached) return cached;
    const n = this.size;
    const values = keys.map(() => new Array<unknown>(n));
    // Ids, and the dates of date-searched seeded rows, are known without generating the row:
    // sorting a year of postings by date costs no row generation.
    const days = this.spec.days;
    const isId = (key: SortKey) => key.path.length === 1 && key.path[0] === 'id';
    const isDay = (key: SortKey) => key.path.length === 1 && days !== undefined && this.added.length === 0 && key.path[0] === this.spec.dayField;
    const cheap = keys.every((key) => isId(key) || isDay(key));
    for (let i = 0; i < n; i++) {
      if (cheap) {
        for (let k = 0; k < keys.length; k++) values[k]![i] = isId(keys[k]!) ? this.idAt(i) : days![i];
        continue;
      }
      const row = this.rowAt(i);
      for (let k = 0; k < keys.length; k++) values[k]![i] = valueAt(row, keys[k]!.path);
    }
    const ranks = keys.map((key, k) => sortRanks(values[k]!, key.descending));
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => {
      for (const rank of ranks) {
        const c = rank[a]! - rank[b]!;
        if (c < 0) return -1;
        if (c > 0) return 1;
      }
      // Ties keep id order, as a database sorting by (key, id) would.
      return a - b;
    });
    const result = Int32Array.from(order);
    this.sortCache.set(cacheKey, result);
    return result;
  }

  /**
   * Seeded dated rows are stored in date order with ids rising, so sorting by their date (then
   * id) is their stored order: no sort needed, as the paging action asks for it on every page.
   */
  private isDayOrder(keys: SortKey[]): boolean {
    const day = this.spec.dayField;
    if (day === undefined || this.added.length > 0 || keys.some((key) => key.descending || key.path.length !== 1)) return false;
    return (keys.length === 1 && keys[0]!.path[0] === day) || (keys.length === 2 && keys[0]!.path[0] === day && keys[1]!.path[0] === 'id');
  }

  /**
   * The rows a list request sees, in order: optionally limited to an index range (date
   * searches), to an explicit set of indices (filters), and sorted.
   */
  select(options: { range?: [number, number]; only?: number[]; sort?: SortKey[] }): Selection {
    const [lo, hi] = options.range ?? [0, this.size];
    const isDefaultOrder = !options.sort || options.sort.length === 0 || (options.sort.length === 1 && options.sort[0]!.path.join('.') === 'id' && !options.sort[0]!.descending) || this.isDayOrder(options.sort);
    if (!options.only && isDefaultOrder) {
      return { total: Math.max(0, hi - lo), indexAt: (p) => lo + p };
    }
    let members: Int32Array;
    if (options.only) {
      const inRange = [...new Set(options.only)].filter((i) => i >= lo && i < hi).sort((a, b) => a - b);
      members = Int32Array.from(inRange);
    } else {
      members = new Int32Array(hi - lo).map((_, k) => lo + k);
    }
    if (!isDefaultOrder) {
      const order = this.sortedOrder(options.sort!);
      const keep = new Uint8Array(this.size);
      for (const index of members) keep[index] = 1;
      const sorted = new Int32Array(members.length);
      let k = 0;
      for (const index of order) if (keep[index]) sorted[k++] = index;
      members = sorted;
    }
    const final = members;
    return { total: final.length, indexAt: (p) => final[p]! };
  }
}
