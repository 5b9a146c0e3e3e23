import { CancelledError } from '../../contract/errors.js';
import { paginate, startPage, type FetchedPage, type Page, type PageFetch, type PageHooks, type PaginateOptions } from '../../client/paginate.js';
import { Rng } from '../../tooling/simulator/prng.js';
import { list, rows, settle } from '../support/fake-pages.js';

// Pages that grow while the rate limit sets the pace, and the pages fetched ahead on
// speculation: every row once and in order whatever the sizes, and the hooks a rate limiter
// reads. The fetch function is a fake the test answers by hand; nothing uses timers.

interface Call {
  page: PageFetch;
  signal: AbortSignal;
  hooks: PageHooks;
  answered: boolean;
  resolve(page: FetchedPage): void;
}

/** Every request waits until the test answers it (or lets it through the "limiter", committing it). */
class ManualEndpoint {
  readonly calls: Call[] = [];
  constructor(readonly total: number) {}
  readonly fetchPage = (page: PageFetch, signal: AbortSignal, hooks?: PageHooks): Promise<FetchedPage> =>
    new Promise<FetchedPage>((resolve, reject) => {
      this.calls.push({ page, signal, hooks: hooks!, answered: false, resolve });
      signal.addEventListener('abort', () => reject(new CancelledError('request aborted')), { once: true });
    });

  /** Requests neither answered nor aborted. */
  live(): Call[] {
    return this.calls.filter((c) => !c.signal.aborted && !c.answered);
  }

  call(index: number): Call {
    const call = this.live().find((c) => c.page.index === index);
    if (!call) throw new Error(`page ${index} is not in flight`);
    return call;
  }

  /** Lets page `index` through the limiter (it will be sent) and answers it, inexact total as Tripletex's. */
  answer(index: number): void {
    const call = this.call(index);
    call.hooks.committed();
    const n = Math.min(call.page.count, this.total - call.page.from);
    const more = call.page.from + call.page.count < this.total;
    call.answered = true;
    call.resolve(list(rows(call.page.from, n), { fullResultSize: more ? call.page.from + call.page.count + 1 : this.total }));
  }
}

function options(fetchPage: PaginateOptions['fetchPage'], extra: Partial<PaginateOptions> = {}): PaginateOptions {
  return { startIndex: 0, itemsPerPage: 10, maxPageCount: 1000, prefetchPages: 2, fetchPage, ...extra };
}

describe('paginate: growing pages', () => {
  it('asks the pages not yet sent again at the grown size, from the same row; pages sent keep their size', async () => {
    const endpoint = new ManualEndpoint(200);
    const paging = paginate(options(endpoint.fetchPage, { growTo: 40 }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0);
    await first;
    await settle();
    // Pages 1 and 2 are fetched ahead at 10; page 1 has been let through the limiter, page 2 waits there.
    endpoint.call(1).hooks.committed();
    expect(endpoint.live().map((c) => [c.page.index, c.page.from, c.page.count])).toEqual([
      [1, 10, 10],
      [2, 20, 10],
    ]);
    expect(paging.grow()).toBe(true);
    await settle();
    // Page 2 asked again from row 20 at 40 rows.
    expect(endpoint.live().map((c) => [c.page.index, c.page.from, c.page.count])).toEqual([
      [1, 10, 10],
      [2, 20, 40],
    ]);
    expect(paging.grow()).toBe(false);
    const seen: Page[] = [];
    const rest = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        seen.push(next.value);
      }
    })();
    for (let index = 1; ; index++) {
      await settle();
      if (!endpoint.live().some((c) => c.page.index === index)) break;
      endpoint.answer(index);
    }
    await rest;
    expect(seen.map((p) => [p.from, p.count, p.values.length])).toEqual([
      [10, 10, 10],
      [20, 40, 40],
      [60, 40, 40],
      [100, 40, 40],
      [140, 40, 40],
      [180, 40, 20],
    ]);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', nextIndex: 200, pageSizes: [10, 40], pageSize: 40 });
  });

  it('fetches as many pages ahead as the grown size calls for', async () => {
    const endpoint = new ManualEndpoint(1000);
    const paging = paginate(options(endpoint.fetchPage, { growTo: 40, prefetchPages: 4, prefetchFor: (size) => (size >= 40 ? 1 : 4) }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0);
    await first;
    await settle();
    expect(endpoint.live()).toHaveLength(4);
    paging.grow();
    await settle();
    // While the consumer holds page 0: one page ahead, at 40 rows.
    expect(endpoint.live().map((c) => [c.page.index, c.page.from, c.page.count])).toEqual([[1, 10, 40]]);
    await iterator.return?.();
  });

  it('asks again for the page it awaits when that page had not been sent yet', async () => {
    const endpoint = new ManualEndpoint(55);
    const paging = paginate(options(endpoint.fetchPage, { growTo: 25, prefetchPages: 0 }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0);
    await first;
    const second = iterator.next();
    await settle();
    // Page 1 waits for the window: the rate limit sets the pace.
    expect(endpoint.live().map((c) => c.page.count)).toEqual([10]);
    paging.grow();
    await settle();
    expect(endpoint.live().map((c) => [c.page.index, c.page.from, c.page.count])).toEqual([[1, 10, 25]]);
    endpoint.answer(1);
    expect((await second).value).toMatchObject({ index: 1, from: 10, count: 25 });
    const third = iterator.next();
    await settle();
    endpoint.answer(2);
    expect((await third).value?.values).toHaveLength(20);
    expect((await iterator.next()).done).toBe(true);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', nextIndex: 55, pagesDropped: 0 });
  });

  it('grows no further than a size the endpoint refused, and says nothing of a size it chose itself', async () => {
    const refused = new Error('Limit of 30');
    const seen: PageFetch[] = [];
    const warnings: string[] = [];
    let paging!: ReturnType<typeof paginate>;
    paging = paginate(
      options(
        async (page) => {
          seen.push(page);
          if (page.index === 1 && page.count === 10) paging.grow();
          if (page.count > 30) throw refused;
          return list(rows(page.from, Math.min(page.count, 100 - page.from)));
        },
        { growTo: 50, prefetchPages: 0, smallerPageAfter: (error, page) => (error === refused && page.count > 30 ? 30 : undefined), onWarning: (m) => warnings.push(m) },
      ),
    );
    const values: unknown[] = [];
    for await (const page of paging.pages) values.push(...page.values);
    expect(values).toEqual(rows(0, 100));
    expect(seen.map((p) => p.count)).toEqual([10, 10, 50, 30, 30, 30]);
    expect(paging.grow()).toBe(false);
    expect(warnings).toEqual([]);
    expect(paging.result()).toMatchObject({ pageSizes: [10, 30], largestServed: 30, refusedPageSize: { asked: 50, served: 30 } });
  });

  it('does not grow a size the caller chose (no growTo)', async () => {
    const endpoint = new ManualEndpoint(100);
    const paging = paginate(options(endpoint.fetchPage));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0);
    await first;
    expect(paging.grow()).toBe(false);
    expect(endpoint.live().every((c) => c.page.count === 10)).toBe(true);
    await iterator.return?.();
  });

  it('hands every row on once, in order, whatever the sizes, the moments it grows and what was sent (random cases)', async () => {
    const rng = new Rng(23);
    for (let round = 0; round < 150; round++) {
      const total = rng.int(0, 400);
      const startIndex = rng.int(0, 30);
      const itemsPerPage = rng.int(1, 20);
      const growTo = itemsPerPage + rng.int(0, 60);
      const sent = new Set<PageFetch>();
      let paging!: ReturnType<typeof paginate>;
      paging = paginate({
        startIndex,
        itemsPerPage,
        growTo,
        maxPageCount: 10_000,
        prefetchPages: rng.int(0, 4),
        prefetchFor: rng.chance(0.5) ? (size) => (size > 30 ? 1 : 3) : undefined,
        fetchPage: async (page, signal, hooks) => {
          // Some requests are let through the limiter at once, others wait a turn; the pace is set by the rate limit at random moments.
          if (rng.chance(0.5)) {
            hooks!.committed();
            sent.add(page);
          } else await settle(1);
          if (rng.chance(0.2)) paging.grow();
          if (signal.aborted) throw new CancelledError();
          hooks!.committed();
          sent.add(page);
          const n = Math.max(0, Math.min(page.count, total - page.from));
          return list(rows(page.from, n), { fullResultSize: page.from + n < total ? page.from + page.count + 1 : total });
        },
      });
      const values: unknown[] = [];
      for await (const page of paging.pages) values.push(...page.values);
      expect(values).toEqual(rows(startIndex, Math.max(0, total - startIndex)));
      expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', nextIndex: Math.max(startIndex, total) });
    }
  });
});

describe('paginate: what a rate limiter is told about pages fetched ahead', () => {
  it('calls a page speculative until the page before it came back full', async () => {
    const endpoint = new ManualEndpoint(1000);
    let changed = 0;
    const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 3, onSpeculationChanged: () => void (changed += 1) }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    expect(endpoint.call(0).hooks.speculative()).toBe(false);
    endpoint.answer(0);
    await first;
    await settle();
    // Page 0 was full: page 1 is needed; pages 2 and 3 are guesses.
    expect([1, 2, 3].map((i) => endpoint.call(i).hooks.speculative())).toEqual([false, true, true]);
    const before = changed;
    endpoint.answer(1);
    await iterator.next();
    expect(endpoint.call(2).hooks.speculative()).toBe(false);
    expect(endpoint.call(3).hooks.speculative()).toBe(true);
    expect(changed).toBeGreaterThan(before);
    await iterator.return?.();
  });

  it('calls pages before an exact total needed, and fetches none ahead past it but the proof of the end', async () => {
    const seen: { page: PageFetch; speculative: boolean }[] = [];
    const paging = paginate(
      options(async (page, _signal, hooks) => {
        seen.push({ page, speculative: hooks!.speculative() });
        return list(rows(page.from, Math.min(page.count, 35 - page.from)), { fullResultSize: 35 });
      }, { prefetchPages: 6 }),
    );
    const values: unknown[] = [];
    for await (const page of paging.pages) values.push(...page.values);
    expect(values).toEqual(rows(0, 35));
    expect(seen.map((s) => s.page.from)).toEqual([0, 10, 20, 30]);
    expect(seen.every((s) => !s.speculative)).toBe(true);
  });

  it('tells the caller when the rate limit sets the pace of a page', async () => {
    let held = 0;
    const endpoint = new ManualEndpoint(100);
    const paging = paginate(options(endpoint.fetchPage, { onRateBound: () => void (held += 1) }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0);
    await first;
    await settle();
    endpoint.call(2).hooks.rateBound();
    expect(held).toBe(1);
    await iterator.return?.();
  });

  it('fetches ahead no further than where the caller expects the list to end; pages past it follow one at a time', async () => {
    const seen: PageFetch[] = [];
    const inFlight: number[] = [];
    let live = 0;
    const paging = paginate(
      options(
        async (page) => {
          seen.push(page);
          inFlight.push(++live);
          await settle(1);
          live -= 1;
          return list(rows(page.from, Math.min(page.count, 65 - page.from)));
        },
        { prefetchPages: 4, expectedEnd: () => 42 },
      ),
    );
    const values: unknown[] = [];
    for await (const page of paging.pages) values.push(...page.values);
    expect(values).toEqual(rows(0, 65));
    expect(seen.map((p) => p.from)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    // Pages from 50 on start past the expected end: each is asked for alone, once the one before came back full.
    expect(inFlight.slice(5)).toEqual([1, 1]);
    expect(Math.max(...inFlight.slice(1, 5))).toBeGreaterThan(1);
  });

  it('uses a first page asked for beforehand instead of asking again', async () => {
    const seen: PageFetch[] = [];
    const fetchPage: PaginateOptions['fetchPage'] = async (page) => (seen.push(page), list(rows(page.from, Math.min(page.count, 25 - page.from))));
    const early = startPage(fetchPage, { index: 0, from: 0, count: 10 }, () => false);
    const paging = paginate(options(fetchPage, { firstPage: early }));
    const values: unknown[] = [];
    for await (const page of paging.pages) values.push(...page.values);
    expect(values).toEqual(rows(0, 25));
    expect(seen.filter((p) => p.from === 0)).toHaveLength(1);
  });
});
