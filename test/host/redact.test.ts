import { describe, expect, test } from '@jest/globals';
import { Redactor, serializeError } from '../../tooling/host/redact.js';

describe('Redactor', () => {
  test('replaces registered values, URL-encoded and JSON-escaped forms included', () => {
    const r = new Redactor();
    const token = 'abc+/=="quoted"';
    r.add(token);
    expect(r.redact(`raw ${token} url ${encodeURIComponent(token)} json ${JSON.stringify(token)}`)).toBe('raw [redacted] url [redacted] json "[redacted]"');
  });

  test('ignores short values, plain numbers and non-strings, and prefers the longest match', () => {
    const r = new Redactor();
    r.add('ab');
    r.add(42);
    r.add('12345678');
    r.add('true');
    r.add(undefined);
    r.add('secret-value');
    r.add('secret-value-longer');
    expect(r.redact('ab 42 12345678 true secret-value-longer secret-value')).toBe('ab 42 12345678 true [redacted] [redacted]');
  });

  test('redactDeep blanks secret-named keys, scrubs strings and uses toJSON()', () => {
    const r = new Redactor();
    r.add('CANARY-deep-1234');
    const value = {
      consumerToken: 'anything',
      nested: { password: 'pw', note: 'has CANARY-deep-1234 inside', list: ['CANARY-deep-1234'] },
      withJson: { toJSON: () => ({ secretValue: 'x', ok: true }) },
      flag: { useTestEnvironment: true, employeeToken: null },
    };
    expect(r.redactDeep(value)).toEqual({
      consumerToken: '[redacted]',
      nested: { password: '[redacted]', note: 'has [redacted] inside', list: ['[redacted]'] },
      withJson: { secretValue: '[redacted]', ok: true },
      flag: { useTestEnvironment: true, employeeToken: null },
    });
  });
});

describe('serializeError', () => {
  test("keeps a pack error's toJSON() and fills in name and message", () => {
    class ApiError extends Error {
      toJSON() {
        return { kind: 'api', status: 403 };
      }
    }
    expect(serializeError(new ApiError('no'))).toEqual({ kind: 'api', status: 403, name: 'Error', message: 'no' });
    expect(serializeError(new TypeError('bad'))).toEqual({ name: 'TypeError', message: 'bad' });
    expect(serializeError('text')).toEqual({ name: 'Error', message: 'text' });
  });
});
