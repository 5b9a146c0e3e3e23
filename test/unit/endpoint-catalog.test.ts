import { describe, expect, test } from '@jest/globals';
import { endpointPathOptions, queryParameterOptions, rowFieldOptions } from '../../client/endpoint-catalog.js';
import { knownPathTemplates } from '../../client/endpoint-facts.js';

// The paging action's load options read the endpoint catalog the pack ships
// (client/tripletex-endpoint-catalog.json): paths per method, query parameters with their
// descriptions, and the fields of a row, for Path, Query and Fields in a designer.

describe('the endpoint catalog', () => {
  test('documents the same paths as the endpoint facts the pack checks requests against', () => {
    const paths = new Set(endpointPathOptions({ method: 'GET' }).options.map((o) => String(o.value)));
    for (const method of ['POST', 'PUT', 'DELETE']) for (const o of endpointPathOptions({ method }).options) paths.add(String(o.value));
    expect([...paths].sort()).toEqual([...knownPathTemplates()].sort());
  });

  test('Path choices follow the Method (GET when none is given)', () => {
    const get = endpointPathOptions({}).options.map((o) => o.value);
    expect(get).toContain('/ledger/posting');
    expect(endpointPathOptions({ method: 'DELETE' }).options.map((o) => o.value)).not.toContain('/ledger/posting');
  });

  test('Query choices: required parameters first, never the paging parameters the action sets', () => {
    const { options, message } = queryParameterOptions({ method: 'GET', path: '/ledger/posting' });
    const required = options.filter((o) => o.required).map((o) => o.value);
    expect(required).toEqual(['dateFrom', 'dateTo']);
    expect(options.slice(0, 2).map((o) => o.value)).toEqual(required);
    expect(options.map((o) => o.value)).not.toEqual(expect.arrayContaining(['from']));
    expect(options.map((o) => o.value)).not.toContain('count');
    expect(message).toMatch(/^GET \/ledger\/posting: /);
  });

  test('Fields choices for an id path are those of the list, and other methods say where fields come from', () => {
    expect(rowFieldOptions({ path: '/invoice/42' }).options).toEqual(rowFieldOptions({ path: '/invoice' }).options);
    expect(rowFieldOptions({ path: '/invoice' }).message).toBe('Fields of one Invoice row (GET /invoice).');
    const post = rowFieldOptions({ method: 'POST', path: '/customer' });
    expect(post.options).toEqual([]);
    expect(post.message).toContain('listed for GET requests');
    expect(rowFieldOptions({}).message).toBe('Choose a Path to see the fields of its rows.');
  });
});
