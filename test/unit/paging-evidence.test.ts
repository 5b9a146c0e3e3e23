import { paginate, type FetchedPage, type Page, type PageFetch } from '../../client/paginate.js';

// "The endpoint ignores paging" is a verdict that ends a run, so it needs evidence: the list's
// own `from` differing from the one sent, or a full page whose rows repeat the previous page's
// by id. Equal content without identity proves nothing.

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

function run(fetchPage: (page: PageFetch) => FetchedPage, extra: { startIndex?: number; itemsPerPage?: number } = {}) {
  return paginate({ startIndex: extra.startIndex ?? 0, itemsPerPage: extra.itemsPerPage ?? 10, maxPageCount: 1000, prefetchPages: 2, fetchPage: async (page) => fetchPage(page) });
}

describe('paging stops on evidence only', () => {
  it('pages on through rows without ids that look alike (fields=isInactive), to the short page', async () => {
    const total = 95;
    const paging = run((page) => ({ kind: 'list', status: 200, envelopeFrom: page.from, values: Array.from({ length: Math.max(0, Math.min(page.count, total - page.from)) }, () => ({ isInactive: false })) }));
    const pages = await collect(paging.pages);
    expect(pages.reduce((n, p) => n + p.values.length, 0)).toBe(total);
    expect(paging.result()).toMatchObject({ stopReason: 'end-of-results', stoppedEarly: false, nextIndex: total, warnings: [] });
  });

  it('stops when a full page repeats the previous one by id, emitting those rows once', async () => {
    const paging = run(() => ({ kind: 'list', status: 200, values: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: 'same' })) }));
    const pages = await collect(paging.pages);
    expect(pages).toHaveLength(1);
    expect(paging.result()).toMatchObject({ stopReason: 'repeated-page', stoppedEarly: true });
    expect(paging.result().warnings[0]).toMatch(/returned the same 10 rows \(by id\) as page 0/);
  });

  it('stops when the list says it answered another from than the one asked for, even without ids', async () => {
    const paging = run(() => ({ kind: 'list', status: 200, envelopeFrom: 0, values: Array.from({ length: 10 }, () => ({ isInactive: true })) }));
    const pages = await collect(paging.pages);
    expect(pages).toHaveLength(1);
    expect(paging.result()).toMatchObject({ stopReason: 'repeated-page', stoppedEarly: true, nextIndex: 10 });
    expect(paging.result().warnings[0]).toMatch(/answered rows from 0 when asked for rows from 10/);
  });

  it('emits nothing when asked to continue from a start index an endpoint ignores', async () => {
    const paging = run(() => ({ kind: 'list', status: 200, envelopeFrom: 0, values: [{ id: 1 }, { id: 2 }] }), { startIndex: 500 });
    const pages = await collect(paging.pages);
    expect(pages).toHaveLength(0);
    expect(paging.result()).toMatchObject({ stopReason: 'repeated-page', stoppedEarly: true, nextIndex: 500 });
    expect(paging.result().warnings[0]).toMatch(/Asked for rows from 500, the endpoint answered rows from 0/);
  });

  it('keeps the digest of the first page when later pages carry none', async () => {
    const paging = run((page) => ({ kind: 'list', status: 200, envelopeFrom: page.from, versionDigest: page.index === 0 ? 'abc123' : null, values: page.from < 20 ? Array.from({ length: 10 }, (_, i) => ({ id: page.from + i })) : [] }));
    await collect(paging.pages);
    expect(paging.result().versionDigest).toBe('abc123');
  });
});
