import { HandedOnIds } from '../../client/handed-on-ids.js';

// The ids a run has handed on: a row that comes back (the list shifted while it was paged) is
// left out, in bounded memory, and only where ids are an identity.

const rows = (...ids: (number | string)[]) => ids.map((id) => ({ id }));

describe('HandedOnIds', () => {
  it('leaves out rows whose id was handed on before, keeps the order of the rest, and counts them', () => {
    const seen = new HandedOnIds();
    expect(seen.filter(rows(9, 8, 7, 6))).toEqual(rows(9, 8, 7, 6));
    // Two rows were created meanwhile (sorting -id): the next page starts with 7 and 6 again.
    expect(seen.filter(rows(7, 6, 5, 4))).toEqual(rows(5, 4));
    expect(seen.filter(rows(5, 4, 3))).toEqual(rows(3));
    expect(seen.leftOut).toBe(4);
    // A number id and a string id with the same digits are different ids.
    expect(seen.filter(rows('3'))).toEqual(rows('3'));
  });

  it('hands on rows without an id, every time', () => {
    const seen = new HandedOnIds();
    const page = [{ name: 'a' }, { id: null }, { id: '' }, 'text', null];
    expect(seen.filter(page)).toEqual(page);
    expect(seen.filter(page)).toEqual(page);
    expect(seen.leftOut).toBe(0);
  });

  it('stops judging by id once a page holds an id twice: such ids are no identity', () => {
    const seen = new HandedOnIds();
    expect(seen.filter(rows(1, 2))).toEqual(rows(1, 2));
    expect(seen.filter(rows(3, 3, 1))).toEqual(rows(3, 3, 1));
    expect(seen.filter(rows(1, 2))).toEqual(rows(1, 2));
    expect(seen.leftOut).toBe(0);
  });

  it('remembers only the most recent ids, so memory stays bounded whatever the run', () => {
    const seen = new HandedOnIds(3);
    seen.filter(rows(1, 2, 3, 4, 5));
    // 1 and 2 are forgotten; 3, 4 and 5 are remembered.
    expect(seen.filter(rows(5, 4, 3))).toEqual([]);
    expect(seen.filter(rows(2))).toEqual(rows(2));
    expect(seen.leftOut).toBe(3);
    expect(() => new HandedOnIds(0)).toThrow(RangeError);
  });
});
