import { dateOrderFor, rowDate, withoutField } from '../../client/date-order.js';
import { operationFacts } from '../../client/endpoint-facts.js';

// Which field of the rows a date range filters on, and how the range is asked for so that its
// rows come in date order (what a stopped run resumes by).

describe('date order of a date range', () => {
  it('knows the row field of the ranges the pack splits most, from Tripletex\'s spec', () => {
    const rowFields = (path: string) => Object.fromEntries((operationFacts('GET', path)?.facts.dateRanges ?? []).filter((r) => r.rowField).map((r) => [r.from, r.rowField]));
    expect(rowFields('/ledger/posting')).toEqual({ dateFrom: 'date' });
    expect(rowFields('/invoice')).toEqual({ invoiceDateFrom: 'invoiceDate' });
    expect(rowFields('/order')).toEqual({ orderDateFrom: 'orderDate' });
    expect(rowFields('/ledger/voucher')).toEqual({ dateFrom: 'date' });
    // The listed model has no "date": no field, so never a sorting Tripletex could refuse.
    expect(rowFields('/reminder').dateFrom).toBeUndefined();
  });

  it('sorts by the field then id when the flow gives no sorting, and keeps every field when none are chosen', () => {
    expect(dateOrderFor('/ledger/posting', 'dateFrom', undefined, undefined)).toEqual({ field: 'date', sorting: 'date,id', strip: false });
    expect(dateOrderFor('/invoice', 'invoiceDateFrom', undefined, undefined)).toEqual({ field: 'invoiceDate', sorting: 'invoiceDate,id', strip: false });
  });

  it('keeps a sorting that starts with the field, and gives up date order for any other', () => {
    expect(dateOrderFor('/ledger/posting', 'dateFrom', 'date,-amount', undefined)).toMatchObject({ sorting: 'date,-amount' });
    // "+date" is ascending too (the same first key the warning about sorting across windows reads).
    expect(dateOrderFor('/ledger/posting', 'dateFrom', '+date,id', undefined)).toMatchObject({ field: 'date', sorting: '+date,id' });
    expect(dateOrderFor('/ledger/posting', 'dateFrom', '-date', undefined)).toBeUndefined();
    expect(dateOrderFor('/ledger/posting', 'dateFrom', 'amount,date', undefined)).toBeUndefined();
  });

  it('adds the field to a selection that leaves it out, and says to take it out again', () => {
    expect(dateOrderFor('/ledger/posting', 'dateFrom', undefined, 'id,amount')).toEqual({ field: 'date', sorting: 'date,id', fields: 'id,amount,date', strip: true });
    // Nested "date" is another field; a top-level "*" or the field itself already brings it.
    expect(dateOrderFor('/ledger/posting', 'dateFrom', undefined, 'id,voucher(id,date)')).toMatchObject({ fields: 'id,voucher(id,date),date', strip: true });
    expect(dateOrderFor('/ledger/posting', 'dateFrom', undefined, '*,voucher(*)')).toMatchObject({ fields: '*,voucher(*)', strip: false });
    expect(dateOrderFor('/ledger/posting', 'dateFrom', undefined, 'id, date')).toMatchObject({ strip: false });
  });

  it('has no date order for an endpoint or range it does not know', () => {
    expect(dateOrderFor('/brand/new/list', 'dateFrom', undefined, undefined)).toBeUndefined();
    expect(dateOrderFor('/ledger/posting', 'createdFrom', undefined, undefined)).toBeUndefined();
  });

  it('reads a row\'s date, also from a timestamp, and drops only the added field', () => {
    expect(rowDate({ date: '2025-04-10' }, 'date')).toBe('2025-04-10');
    expect(rowDate({ date: '2025-04-10T08:15:00' }, 'date')).toBe('2025-04-10');
    expect(rowDate({ date: null }, 'date')).toBeUndefined();
    expect(rowDate('2025-04-10', 'date')).toBeUndefined();
    expect(withoutField({ id: 1, date: '2025-04-10', amount: 3 }, 'date')).toEqual({ id: 1, amount: 3 });
    const row = { id: 2 };
    expect(withoutField(row, 'date')).toBe(row);
  });
});
