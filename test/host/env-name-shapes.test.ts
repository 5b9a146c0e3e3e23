import { describe, expect, test } from '@jest/globals';
import { looksLikeToken } from '../../tooling/host/env-names.js';

// A token pasted where a variable's name belongs is told apart from a name, so the designer can
// drop it at the field and say what to do instead of keeping it in a flow.

describe('looksLikeToken', () => {
  test('Tripletex tokens (base64 of JSON, with or without the test- prefix) are tokens', () => {
    const json = Buffer.from(JSON.stringify({ tokenId: 4567, token: '0d6f1c2e-8b1a-4c5e-9f00-1234567890ab' })).toString('base64');
    expect(looksLikeToken(json)).toBe(true);
    expect(looksLikeToken(`test-${json}`)).toBe(true);
    expect(looksLikeToken(`  ${json}\n`)).toBe(true);
    expect(looksLikeToken('eyJ0b2tlbklkIjoxMjM0fQ')).toBe(true);
  });

  test('other long secrets: a UUID, base64 with padding, a long mixed-case run of letters and digits', () => {
    expect(looksLikeToken('0d6f1c2e-8b1a-4c5e-9f00-1234567890ab')).toBe(true);
    expect(looksLikeToken('c2VjcmV0LXRva2VuLXZhbHVlLTEyMw==')).toBe(true);
    expect(looksLikeToken('aB3dE5fG7hJ9kL1mN3pQ5rS7')).toBe(true);
  });

  test('variable names, however long, are not', () => {
    for (const name of ['TRIPLETEX_EMPLOYEE_TOKEN', 'MY_TRIPLETEX_EMPLOYEE_TOKEN', 'tripletex_consumer_token', 'TOKEN2', 'ACME_PRODUCTION_TRIPLETEX_EMPLOYEE_TOKEN_2026', 'TripletexEmployeeToken', 'X']) {
      expect(looksLikeToken(name)).toBe(false);
    }
  });

  test('short or spaced text is not taken for a token (the field says it is not a name instead)', () => {
    expect(looksLikeToken('my token')).toBe(false);
    expect(looksLikeToken('a-b')).toBe(false);
    expect(looksLikeToken('this is a sentence, not a token at all')).toBe(false);
  });
});
