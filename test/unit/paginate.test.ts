import { CancelledError } from '../../contract/errors.js';
import { paginate, type FetchedPage, type Page, type PageFetch, type PaginateOptions } from '../../client/paginate.js';
import { Rng } from '../../tooling/simulator/prng.js';
import { list, rows, settle } from '../support/fake-pages.js';

// The fetch function is a fake the test controls: either answers it resolves by hand
// (ManualEndpoint) or an in-memory list. Nothing here uses timers; settle() lets promise
// chains run to completion.

interface Call {
  page: PageFetch;
  signal: AbortSignal;
  resolve(page: FetchedPage): void;
  reject(error: unknown): void;
}

/** Every request waits until the test answers it; an aborted request rejects like got would. */
class ManualEndpoint {
  readonly calls: Call[] = [];
  readonly fetchPage = (page: PageFetch, signal: AbortSignal): Promise<FetchedPage> =>
    new Promise<FetchedPage>((resolve, reject) => {
      this.calls.push({ page, signal, resolve, reject });
      signal.addEventListener('abort', () => reject(new CancelledError('request aborted')), { once: true });
    });

  call(index: number): Call {
    const call = this.calls.find((c) => c.page.index === index);
    if (!call) throw new Error(`page ${index} was not requested`);
    return call;
  }

  /** Answers page `index` from a list of `total` rows. */
  answer(index: number, total: number): void {
    const { page } = this.call(index);
    this.call(index).resolve(list(rows(page.from, Math.min(page.count, total - page.from))));
  }

  get inFlight(): number {
    return this.calls.filter((c) => !c.signal.aborted).length;
  }
}

function options(fetchPage: PaginateOptions['fetchPage'], extra: Partial<PaginateOptions> = {}): PaginateOptions {
  return { startIndex: 0, itemsPerPage: 10, maxPageCount: 100, prefetchPages: 0, fetchPage, ...extra };
}

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Pages of an in-memory list of `total` rows, answered straight away. */
function memoryList(total: number, seen: PageFetch[] = []): PaginateOptions['fetchPage'] {
  return async (page) => {
    seen.push(page);
    return list(rows(page.from, Math.min(page.count, total - page.from)), { fullResultSize: Math.min(total, page.count) + 1 });
  };
}

describe('paginate', () => {
  it('asks page k for from = startIndex + k * itemsPerPage and count = itemsPerPage', async () => {
    const seen: PageFetch[] = [];
    const paging = paginate(options(memoryList(32, seen), { startIndex: 7, itemsPerPage: 5, prefetchPages: 2 }));
    const pages = await collect(paging.pages);
    expect(seen.slice(0, 5)).toEqual([
      { index: 0, from: 7, count: 5 },
      { index: 1, from: 12, count: 5 },
      { index: 2, from: 17, count: 5 },
      { index: 3, from: 22, count: 5 },
      { index: 4, from: 27, count: 5 },
    ]);
    expect(pages.map((p) => [p.index, p.from, p.count, p.values.length])).toEqual([
      [0, 7, 5, 5],
      [1, 12, 5, 5],
      [2, 17, 5, 5],
      [3, 22, 5, 5],
      [4, 27, 5, 5],
    ]);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 32, pagesFetched: 6, warnings: [] });
  });

  it('sends the first request alone, then keeps prefetchPages more in flight', async () => {
    const endpoint = new ManualEndpoint();
    const iterator = paginate(options(endpoint.fetchPage, { prefetchPages: 3 })).pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    expect(endpoint.calls.map((c) => c.page.index)).toEqual([0]);
    endpoint.answer(0, 1_000);
    expect((await first).value?.index).toBe(0);
    // While the consumer holds page 0: pages 1-3 in flight, nothing beyond.
    await settle();
    expect(endpoint.calls.map((c) => c.page.index)).toEqual([0, 1, 2, 3]);
    const second = iterator.next();
    await settle();
    expect(endpoint.calls.map((c) => c.page.index)).toEqual([0, 1, 2, 3, 4]);
    endpoint.answer(1, 1_000);
    expect((await second).value?.index).toBe(1);
    await iterator.return?.();
  });

  it('fetches strictly one page after another with prefetchPages 0', async () => {
    const endpoint = new ManualEndpoint();
    const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 0 }));
    const done = collect(paging.pages);
    for (let index = 0; index < 4; index++) {
      await settle();
      expect(endpoint.calls.length).toBe(index + 1);
      expect(endpoint.calls.filter((c) => c.page.index > index)).toEqual([]);
      endpoint.answer(index, 35);
    }
    expect((await done).map((p) => p.values.length)).toEqual([10, 10, 10, 5]);
  });

  it('yields pages strictly in order when answers arrive out of order', async () => {
    const endpoint = new ManualEndpoint();
    const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 4 }));
    const done = collect(paging.pages);
    await settle();
    endpoint.answer(0, 1_000);
    await settle();
    for (const index of [4, 2, 3, 1]) endpoint.answer(index, 1_000);
    await settle();
    for (const index of [8, 5, 7]) endpoint.answer(index, 1_000);
    await settle();
    endpoint.answer(6, 1_000);
    endpoint.call(9).resolve(list([]));
    const pages = await done;
    expect(pages.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pages.flatMap((p) => p.values)).toEqual(rows(0, 90));
  });

  it('emits a single-object answer as one page with from null and stops', async () => {
    const seen: PageFetch[] = [];
    const paging = paginate(
      options(
        async (page) => {
          seen.push(page);
          return { kind: 'single', value: { id: 1 }, values: [{ id: 1 }], status: 200, requestId: 'r1' };
        },
        { prefetchPages: 4 },
      ),
    );
    const pages = await collect(paging.pages);
    expect(seen).toHaveLength(1);
    expect(pages).toEqual([{ kind: 'single', value: { id: 1 }, values: [{ id: 1 }], status: 200, requestId: 'r1', index: 0, from: null, count: 10 }]);
    expect(paging.result()).toMatchObject({ stopReason: 'single-response', stoppedEarly: false, nextIndex: 0, pagesFetched: 1, pagesDropped: 0 });
  });

  it('emits an empty answer (no body) as one page without rows; a 304 emits nothing', async () => {
    const empty = paginate(options(async () => ({ kind: 'empty', values: [], status: 204 }), { prefetchPages: 2 }));
    expect(await collect(empty.pages)).toEqual([{ kind: 'empty', values: [], status: 204, index: 0, from: null, count: 10 }]);
    expect(empty.result().stopReason).toBe('single-response');

    let calls = 0;
    const unchanged = paginate(
      options(
        async () => {
          calls += 1;
          return { kind: 'not-modified', values: [], status: 304, versionDigest: 'abc' };
        },
        { prefetchPages: 2 },
      ),
    );
    expect(await collect(unchanged.pages)).toEqual([]);
    expect(calls).toBe(1);
    expect(unchanged.result()).toMatchObject({ stopReason: 'not-modified', stoppedEarly: false, pagesFetched: 1, lastStatus: 304, versionDigest: 'abc' });
  });

  it('stops on a short page, emits it, and drops the pages fetched ahead without yielding them', async () => {
    const endpoint = new ManualEndpoint();
    const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 3 }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0, 14);
    expect((await first).value?.values).toHaveLength(10);
    const second = iterator.next();
    await settle();
    // Page 2 comes back (empty) before page 1 does; it must still not be yielded.
    endpoint.answer(2, 14);
    endpoint.answer(1, 14);
    const last = await second;
    expect([last.value?.index, last.value?.values.length]).toEqual([1, 4]);
    // Pages 2-4 were requested ahead (4 when the consumer asked for page 1). While the consumer
    // still holds the last page, the ones in flight are already aborted.
    expect(endpoint.calls.map((c) => c.page.index)).toEqual([0, 1, 2, 3, 4]);
    expect([3, 4].map((i) => endpoint.call(i).signal.aborted)).toEqual([true, true]);
    // Answering a dropped page afterwards changes nothing.
    endpoint.call(3).resolve(list(rows(30, 10)));
    await settle();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 14, pagesFetched: 2, pagesDropped: 3 });
  });

  it('ends on an empty page without emitting it', async () => {
    const paging = paginate(options(memoryList(20), { prefetchPages: 1 }));
    const pages = await collect(paging.pages);
    expect(pages.map((p) => p.values.length)).toEqual([10, 10]);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', nextIndex: 20, pagesFetched: 3 });

    const none = paginate(options(memoryList(0), { prefetchPages: 3 }));
    expect(await collect(none.pages)).toEqual([]);
    expect(none.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 0, pagesFetched: 1, pagesDropped: 0, lastStatus: 200 });
  });

  it('never stops on fullResultSize: a short page whose fullResultSize says more rows exist is probed, and a capped endpoint paged at the size it serves', async () => {
    // An endpoint that caps every page at 4 rows whatever count says, over 30 rows.
    const seen: PageFetch[] = [];
    const capped: PaginateOptions['fetchPage'] = async (page) => {
      seen.push(page);
      return list(rows(page.from, Math.min(4, page.count, 30 - page.from)), { fullResultSize: 30 });
    };
    const warnings: string[] = [];
    const paging = paginate(options(capped, { prefetchPages: 2, onWarning: (m) => warnings.push(m) }));
    const pages = await collect(paging.pages);
    expect(pages.flatMap((p) => p.values)).toEqual(rows(0, 30));
    expect(pages.map((p) => [p.from, p.count, p.values.length])).toEqual([[0, 10, 4], [4, 4, 4], [8, 4, 4], [12, 4, 4], [16, 4, 4], [20, 4, 4], [24, 4, 4], [28, 4, 2]]);
    // One probe after the short page, then fetch-ahead again at 4, never starting past row 30.
    expect(seen.slice(0, 2)).toEqual([
      { index: 0, from: 0, count: 10 },
      { index: 1, from: 4, count: 4 },
    ]);
    expect(Math.max(...seen.map((p) => p.from))).toBeLessThanOrEqual(28);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 30 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Page 0 \(from 0\) returned 4 rows where 10 were asked for, while its fullResultSize said 30; the next request found more rows\. The endpoint serves at most 4 rows a page/);
    expect(paging.result().warnings).toEqual(warnings);

    // fullResultSize claiming fewer rows than there are changes nothing either.
    const lying = paginate(options(async (page) => list(rows(page.from, Math.min(page.count, 25 - page.from)), { fullResultSize: 3 })));
    expect((await collect(lying.pages)).flatMap((p) => p.values)).toEqual(rows(0, 25));

    // A short page claiming one more row than it ends on: one probe, empty, and no warning.
    const usual = paginate(options(memoryList(7)));
    await collect(usual.pages);
    expect(usual.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 7, pagesFetched: 2, warnings: [] });
  });

  it.each([
    ['0', 0],
    ['null', null],
    ['absent', undefined],
    ['fewer than the page holds', 3],
  ])('probes once more after a short first page whose fullResultSize proves nothing (%s), and pages a cap to the end', async (_what, total) => {
    // Capped at 5 rows over 23, with a total that says nothing (recorded: /customer capped at 50, total 0).
    const seen: PageFetch[] = [];
    const capped: PaginateOptions['fetchPage'] = async (page) => {
      seen.push(page);
      return list(rows(page.from, Math.min(5, page.count, 23 - page.from)), total === undefined ? {} : { fullResultSize: total });
    };
    const warnings: string[] = [];
    const paging = paginate(options(capped, { prefetchPages: 2, onWarning: (m) => warnings.push(m) }));
    const pages = await collect(paging.pages);
    expect(pages.flatMap((p) => p.values)).toEqual(rows(0, 23));
    expect(seen[1]).toEqual({ index: 1, from: 5, count: 5 });
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 23 });
    expect(warnings).toEqual([expect.stringMatching(/^Page 0 \(from 0\) returned 5 rows where 10 were asked for, and its fullResultSize \((0|none|3)\) said nothing of more; the next request found more rows\. The endpoint serves at most 5 rows a page/)]);
  });

  it('ends after one empty probe, without a warning, when a short first page with fullResultSize 0 was the whole list', async () => {
    const seen: PageFetch[] = [];
    const paging = paginate(options(async (page) => (seen.push(page), list(rows(page.from, Math.max(0, Math.min(page.count, 4 - page.from))), { fullResultSize: 0 })), { prefetchPages: 3 }));
    expect((await collect(paging.pages)).flatMap((p) => p.values)).toEqual(rows(0, 4));
    expect(seen).toEqual([
      { index: 0, from: 0, count: 10 },
      { index: 1, from: 4, count: 4 },
    ]);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 4, warnings: [] });
    // A total that names the end is believed for that: no probe.
    const exact: PageFetch[] = [];
    const proven = paginate(options(async (page) => (exact.push(page), list(rows(page.from, 4), { fullResultSize: 4 }))));
    await collect(proven.pages);
    expect(exact).toHaveLength(1);
  });

  it('asks again at the size the endpoint takes when it refuses the page size, from the same row, and keeps that size', async () => {
    const seen: PageFetch[] = [];
    const refusal = new Error('Limit of 4 reached');
    const fetchPage: PaginateOptions['fetchPage'] = async (page) => {
      seen.push(page);
      if (page.count > 4) throw refusal;
      return list(rows(page.from, Math.min(page.count, 18 - page.from)));
    };
    const warnings: string[] = [];
    const asked: [unknown, PageFetch][] = [];
    const smallerPageAfter = (error: unknown, page: PageFetch) => (asked.push([error, page]), error === refusal ? 4 : undefined);
    const paging = paginate(options(fetchPage, { startIndex: 2, prefetchPages: 2, onWarning: (m) => warnings.push(m), smallerPageAfter }));
    const pages = await collect(paging.pages);
    expect(pages.flatMap((p) => p.values)).toEqual(rows(2, 16));
    expect(seen.slice(0, 2)).toEqual([
      { index: 0, from: 2, count: 10 },
      { index: 0, from: 2, count: 4 },
    ]);
    expect(seen.slice(1).every((p) => p.count === 4)).toBe(true);
    expect(asked).toEqual([[refusal, { index: 0, from: 2, count: 10 }]]);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', nextIndex: 18, refusedPageSize: { asked: 10, served: 4 } });
    expect(warnings).toEqual(['Page 0 (from 2) was refused for asking 10 rows at once; the endpoint takes 4, so paging went on 4 rows at a time. Set itemsPerPage to 4 to save the refused request.']);

    // A size that is not smaller is no cure: the error is the run's.
    const stubborn = paginate(options(fetchPage, { smallerPageAfter: () => 10 }));
    await expect(collect(stubborn.pages)).rejects.toBe(refusal);

    // Refused at the smaller size too: the size was not the cause. The run fails with that
    // refusal, having said nothing about page sizes and learnt none.
    const notTheSize: string[] = [];
    const always = paginate(options(async () => Promise.reject(refusal), { onWarning: (m) => notTheSize.push(m), smallerPageAfter: (_e, page) => (page.count > 4 ? 4 : undefined) }));
    await expect(collect(always.pages)).rejects.toBe(refusal);
    expect(notTheSize).toEqual([]);
    expect(always.result().refusedPageSize).toBeUndefined();
  });

  it('after a short page that said more, an empty or repeated answer ends the run', async () => {
    const repeated = paginate(options(async () => list(rows(0, 5), { fullResultSize: 40 }), { prefetchPages: 3 }));
    const pages = await collect(repeated.pages);
    expect(pages.flatMap((p) => p.values)).toEqual(rows(0, 5));
    expect(repeated.result()).toMatchObject({ stopReason: 'repeated-page', pagesFetched: 2, nextIndex: 5 });
    expect(repeated.result().warnings.join(' ')).toMatch(/returned the same 5 rows \(by id\) as page 0/);

    const ignoresFrom = paginate(options(async () => list(rows(0, 5), { fullResultSize: 40, envelopeFrom: 0 })));
    await collect(ignoresFrom.pages);
    expect(ignoresFrom.result()).toMatchObject({ stopReason: 'repeated-page', pagesFetched: 2 });
  });

  it('fetches ahead no further than the total fullResultSize names, plus the page that proves the end', async () => {
    const asked = (total: number, exact: boolean) => {
      const seen: PageFetch[] = [];
      const fetchPage: PaginateOptions['fetchPage'] = async (page) => {
        seen.push(page);
        const values = rows(page.from, Math.min(page.count, total - page.from));
        // Tripletex's inexact form says one more than the request reaches while rows remain.
        const fullResultSize = exact || page.from + page.count >= total ? total : page.from + page.count + 1;
        return list(values, { fullResultSize });
      };
      return { seen, fetchPage };
    };
    // 105 rows, 10 a page: pages 0-10, the last short. Nothing past it is asked for.
    const exact = asked(105, true);
    const paging = paginate(options(exact.fetchPage, { prefetchPages: 4 }));
    expect((await collect(paging.pages)).flatMap((p) => p.values)).toHaveLength(105);
    expect(exact.seen.map((p) => p.from)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(paging.result().pagesDropped).toBe(0);
    // 100 rows: the empty page at 100 proves the end, and is the only one past the last row.
    const round = asked(100, true);
    await collect(paginate(options(round.fetchPage, { prefetchPages: 4 })).pages);
    expect(round.seen.map((p) => p.from).filter((from) => from >= 100)).toEqual([100]);
    // The inexact form names no total: fetch-ahead runs to its depth, as before.
    const inexact = asked(105, false);
    await collect(paginate(options(inexact.fetchPage, { prefetchPages: 4 })).pages);
    expect(Math.max(...inexact.seen.map((p) => p.from))).toBeGreaterThan(100);
    // A total that turns out too small is a hint, not the end: the full page at 100 leads on.
    const wrong = asked(135, true);
    const short: PaginateOptions['fetchPage'] = async (page, signal) => ({ ...(await wrong.fetchPage(page, signal)), fullResultSize: 105 });
    const paged = paginate(options(short, { prefetchPages: 4 }));
    expect((await collect(paged.pages)).flatMap((p) => p.values)).toEqual(rows(0, 135));
  });

  it('stops when a page repeats the previous one (an endpoint that ignores paging), emitting every row once', async () => {
    const whole = rows(0, 25);
    const warnings: string[] = [];
    const paging = paginate(options(async () => list(whole), { prefetchPages: 3, onWarning: (m) => warnings.push(m) }));
    const pages = await collect(paging.pages);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.values).toEqual(whole);
    expect(paging.result()).toMatchObject({ stopReason: 'repeated-page', stoppedEarly: false, nextIndex: 25 });
    expect(warnings.join(' ')).toMatch(/ignores paging/);
    expect(warnings.join(' ')).toMatch(/Every row was emitted once/);
  });

  it('calls a repeat of exactly count rows an early stop: the endpoint may honour count but not from', async () => {
    const paging = paginate(options(async () => list(rows(0, 10))));
    const pages = await collect(paging.pages);
    expect(pages.flatMap((p) => p.values)).toEqual(rows(0, 10));
    expect(paging.result()).toMatchObject({ stopReason: 'repeated-page', stoppedEarly: true });
    expect(paging.result().warnings.join(' ')).toMatch(/larger itemsPerPage/);
  });

  it('does not mistake equal-looking rows on different pages for a repeat', async () => {
    const paging = paginate(options(async (page) => list(rows(page.from, Math.min(page.count, 30 - page.from)).map((r) => ({ ...r, name: 'same' })))));
    expect((await collect(paging.pages)).length).toBe(3);
    expect(paging.result().stopReason).toBe('end-of-results');
  });

  it('stops at maxPageCount without requesting beyond it, and says where to continue', async () => {
    const seen: PageFetch[] = [];
    const paging = paginate(options(memoryList(1_000, seen), { startIndex: 5, maxPageCount: 3, prefetchPages: 8 }));
    const pages = await collect(paging.pages);
    expect(pages.map((p) => p.from)).toEqual([5, 15, 25]);
    expect(Math.max(...seen.map((p) => p.index))).toBe(2);
    expect(paging.result()).toMatchObject({ stopReason: 'max-page-count', stoppedEarly: true, nextIndex: 35, pagesDropped: 0 });

    // The last allowed page is short: that is the end, not an early stop.
    const exact = paginate(options(memoryList(25), { maxPageCount: 3, prefetchPages: 8 }));
    await collect(exact.pages);
    expect(exact.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: 25 });
  });

  it('throws the error of a page that is needed, after aborting the pages fetched ahead', async () => {
    const endpoint = new ManualEndpoint();
    const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 3 }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0, 1_000);
    await first;
    const second = iterator.next();
    await settle();
    const failure = new Error('boom on page 1');
    endpoint.call(1).reject(failure);
    await expect(second).rejects.toBe(failure);
    expect([2, 3, 4].map((i) => endpoint.call(i).signal.aborted)).toEqual([true, true, true]);
    expect(paging.result()).toMatchObject({ interrupted: true, stoppedEarly: true, nextIndex: 10 });
  });

  it('ignores errors from pages beyond the end', async () => {
    const endpoint = new ManualEndpoint();
    const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 3 }));
    const done = collect(paging.pages);
    await settle();
    endpoint.answer(0, 15);
    await settle();
    endpoint.call(3).reject(new Error('page 3 failed'));
    endpoint.call(2).reject(new Error('page 2 failed'));
    await settle();
    endpoint.answer(1, 15);
    expect((await done).flatMap((p) => p.values)).toEqual(rows(0, 15));
  });

  it('does not fetch beyond the window while the consumer holds a page', async () => {
    for (const prefetchPages of [0, 1, 3]) {
      const seen: PageFetch[] = [];
      const iterator = paginate(options(memoryList(10_000, seen), { prefetchPages })).pages[Symbol.asyncIterator]();
      for (let held = 0; held < 4; held++) {
        const { value } = await iterator.next();
        expect(value?.index).toBe(held);
        await settle(5); // the consumer is busy with page `held`
        // Pages held or in flight ahead of the consumer: at most prefetchPages.
        expect(seen.length).toBe(held + 1 + prefetchPages);
      }
      await iterator.return?.();
    }
  });

  it('throws CancelledError promptly when the signal aborts, and aborts the requests in flight', async () => {
    const controller = new AbortController();
    const calls: AbortSignal[] = [];
    // A fetch that ignores its signal and never answers pages after the first.
    const stubborn: PaginateOptions['fetchPage'] = (page, signal) => {
      calls.push(signal);
      return page.index === 0 ? Promise.resolve(list(rows(0, 10))) : new Promise<FetchedPage>(() => {});
    };
    const paging = paginate(options(stubborn, { prefetchPages: 2, signal: controller.signal }));
    const iterator = paging.pages[Symbol.asyncIterator]();
    await iterator.next();
    const waiting = iterator.next();
    await settle();
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(calls.length).toBe(4); // page 0 (answered), page 1 awaited, pages 2-3 ahead
    expect(calls.slice(1).every((signal) => signal.aborted)).toBe(true);
    expect(paging.result()).toMatchObject({ interrupted: true, stoppedEarly: true, nextIndex: 10, pagesDropped: 3 });
  });

  it('aborts the requests in flight as soon as the signal aborts, even while the consumer holds a page', async () => {
    const controller = new AbortController();
    const endpoint = new ManualEndpoint();
    const iterator = paginate(options(endpoint.fetchPage, { prefetchPages: 2, signal: controller.signal })).pages[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    endpoint.answer(0, 1_000);
    await first;
    await settle();
    expect(endpoint.calls.map((c) => c.signal.aborted)).toEqual([false, false, false]);
    controller.abort();
    expect(endpoint.calls.slice(1).map((c) => c.signal.aborted)).toEqual([true, true]);
    await expect(iterator.next()).rejects.toBeInstanceOf(CancelledError);
  });

  it('throws CancelledError without fetching when the signal has already aborted', async () => {
    let calls = 0;
    const paging = paginate(
      options(
        async () => {
          calls += 1;
          return list([]);
        },
        { signal: AbortSignal.abort() },
      ),
    );
    await expect(collect(paging.pages)).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(0);
  });

  it('aborts the requests in flight when the consumer stops early, without unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const endpoint = new ManualEndpoint();
      const paging = paginate(options(endpoint.fetchPage, { prefetchPages: 3 }));
      const seen: number[] = [];
      const consumer = (async () => {
        for await (const page of paging.pages) {
          seen.push(page.index);
          if (page.index === 1) break;
        }
      })();
      await settle();
      endpoint.answer(0, 1_000);
      await settle();
      endpoint.answer(1, 1_000);
      await consumer;
      await settle();
      expect(seen).toEqual([0, 1]);
      const ahead = endpoint.calls.filter((c) => c.page.index > 1);
      expect(ahead.length).toBe(3);
      expect(ahead.every((c) => c.signal.aborted)).toBe(true);
      expect(paging.result()).toMatchObject({ interrupted: true, stoppedEarly: true, nextIndex: 20, pagesDropped: 3 });
      await settle(5);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('can be iterated once, and has no result before the iteration ends', async () => {
    const paging = paginate(options(memoryList(5)));
    expect(() => paging.result()).toThrow(/once iteration has ended/);
    await collect(paging.pages);
    expect(() => paging.pages[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('refuses nonsensical options', () => {
    const fetchPage = memoryList(1);
    expect(() => paginate(options(fetchPage, { itemsPerPage: 0 }))).toThrow(RangeError);
    expect(() => paginate(options(fetchPage, { startIndex: -1 }))).toThrow(RangeError);
    expect(() => paginate(options(fetchPage, { maxPageCount: 0 }))).toThrow(RangeError);
    expect(() => paginate(options(fetchPage, { prefetchPages: 1.5 }))).toThrow(RangeError);
  });
});

describe('paginate: every row exactly once (random cases)', () => {
  it('pages a capped endpoint to the end at the size it serves, when its fullResultSize says how many rows there are', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = new Rng(seed);
      const itemsPerPage = random.int(2, 12);
      const cap = random.int(1, itemsPerPage - 1);
      const total = random.int(0, 120);
      const startIndex = random.next() < 0.2 ? random.int(0, 50) : 0;
      const maxPageCount = random.int(1, 40);
      const prefetchPages = random.int(0, 6);
      const data = rows(0, total);
      const asked: PageFetch[] = [];
      const fetchPage: PaginateOptions['fetchPage'] = async (page) => {
        asked.push(page);
        for (let hops = random.int(0, 20); hops > 0; hops--) await Promise.resolve();
        return list(data.slice(page.from, page.from + Math.min(page.count, cap)), { fullResultSize: total });
      };
      const warnings: string[] = [];
      const paging = paginate({ startIndex, itemsPerPage, maxPageCount, prefetchPages, fetchPage, onWarning: (m) => warnings.push(m) });
      const got: unknown[] = [];
      for await (const page of paging.pages) got.push(...page.values);
      const context = { seed, itemsPerPage, cap, total, startIndex, maxPageCount, prefetchPages };
      // Every page holds `cap` rows (the first asked for more and got that many).
      const expected = data.slice(startIndex, Math.min(total, startIndex + maxPageCount * cap));
      expect({ context, rows: got }).toEqual({ context, rows: expected });
      const result = paging.result();
      // Early when rows remain, or when the last page allowed was a full one (at the size served).
      const lastWasFull = maxPageCount > 1 && expected.length === maxPageCount * cap;
      expect({ context, next: result.nextIndex, early: result.stoppedEarly }).toEqual({ context, next: startIndex + expected.length, early: startIndex + expected.length < total || lastWasFull });
      // Said once, when the request after the first short page brought rows.
      const continued = total - startIndex > cap && maxPageCount > 1;
      expect({ context, warned: warnings.filter((w) => /serves at most/.test(w)).length }).toEqual({ context, warned: continued ? 1 : 0 });
      // Fetched ahead at the size served, never starting past the total.
      const past = asked.filter((p) => p.from > Math.max(total, startIndex));
      expect({ context, past: past.length }).toEqual({ context, past: 0 });
    }
  });

  it('yields exactly the expected slice whatever the sizes, prefetch, limits and failures past the end', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let seed = 1; seed <= 400; seed++) {
        const random = new Rng(seed);
        const itemsPerPage = random.int(1, 12);
        const total = random.int(0, 120);
        const startIndex = random.next() < 0.2 ? random.int(0, 130) : 0;
        const maxPageCount = random.int(1, 15);
        const prefetchPages = random.int(0, 6);
        const data = rows(0, total);
        let inFlight = 0;
        let maxInFlight = 0;
        const requested: number[] = [];
        const asked = new Set<string>();
        const claimedAt = new Map<number, number>();
        let askedTwice = 0;
        const fetchPage: PaginateOptions['fetchPage'] = async (page, signal) => {
          requested.push(page.index);
          if (asked.has(`${page.from}/${page.count}`)) askedTwice += 1;
          asked.add(`${page.from}/${page.count}`);
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            for (let hops = random.int(0, 30); hops > 0; hops--) await Promise.resolve();
            // A page that starts past the last row is never needed (a short page whose
            // fullResultSize says more rows exist makes the one starting at the last row needed).
            if (page.index > 0 && page.from > total && random.next() < 0.5) throw new Error(`page ${page.index} failed past the end`);
            if (signal.aborted && random.next() < 0.5) throw new CancelledError('aborted');
            const fullResultSize = random.int(0, 200);
            claimedAt.set(page.from, fullResultSize);
            return list(data.slice(page.from, page.from + page.count), { fullResultSize });
          } finally {
            inFlight -= 1;
          }
        };
        const paging = paginate({ startIndex, itemsPerPage, maxPageCount, prefetchPages, fetchPage });
        const got: unknown[] = [];
        let expectedIndex = 0;
        let last: Page | undefined;
        for await (const page of paging.pages) {
          last = page;
          expect(page.index).toBe(expectedIndex++);
          expect(page.from).toBe(startIndex + got.length);
          got.push(...page.values);
          for (let hops = random.int(0, 10); hops > 0; hops--) await Promise.resolve();
        }
        const expected = data.slice(startIndex, Math.min(total, startIndex + maxPageCount * itemsPerPage));
        const context = { seed, itemsPerPage, total, startIndex, maxPageCount, prefetchPages };
        expect({ context, rows: got }).toEqual({ context, rows: expected });
        const result = paging.result();
        // The last page allowed was full, or short while its fullResultSize said more rows exist
        // (or, on the first page, did not prove the end): either way rows may remain.
        const claimedLast = last === undefined ? 0 : (claimedAt.get(last.from!) ?? 0);
        const unproven = last !== undefined && last.index === 0 && last.values.length < itemsPerPage && claimedLast < last.from! + last.values.length;
        const lastAllowedSaysMore = last !== undefined && last.index === maxPageCount - 1 && (claimedLast > last.from! + last.values.length || unproven);
        const hitMax = total - startIndex >= maxPageCount * itemsPerPage || lastAllowedSaysMore;
        expect({ context, stop: result.stopReason, early: result.stoppedEarly, next: result.nextIndex }).toEqual({
          context,
          stop: hitMax ? 'max-page-count' : 'end-of-results',
          early: hitMax,
          next: startIndex + expected.length,
        });
        expect(Math.max(...requested)).toBeLessThan(maxPageCount);
        expect(maxInFlight).toBeLessThanOrEqual(prefetchPages + 1);
        expect(askedTwice).toBe(0);
      }
      await settle(5);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
