import { describe, expect, test } from '@jest/globals';
import { inspect } from 'node:util';
import { TripletexApiError, TripletexNetworkError } from '../../contract/errors.js';
import { registerSecretValue, scrub, scrubbedHead, secretForms } from '../../contract/secret.js';
import { MAX_SERVER_MESSAGE, MAX_VALIDATION_MESSAGES, untrustedText } from '../../contract/server-text.js';

// What a server says is scrubbed and cut before the pack keeps it (contract/server-text.ts),
// and a secret is recognised in the forms a server may echo it in (contract/secret.ts).

const TOKEN = 'CANARY-server-text-token-8d2e61f0b9';
registerSecretValue(TOKEN);

describe('untrustedText', () => {
  test('keeps a short text whole, scrubbed', () => {
    expect(untrustedText(`session ${TOKEN} refused`)).toBe('session [redacted] refused');
  });

  test('cuts a long text and says how many characters were left out', () => {
    const text = 'x'.repeat(MAX_SERVER_MESSAGE + 12_345);
    expect(untrustedText(text)).toBe(`${'x'.repeat(MAX_SERVER_MESSAGE)}… [12,345 more characters not shown]`);
  });

  test('never cuts through a secret: one that straddles the cut is replaced whole', () => {
    for (let before = MAX_SERVER_MESSAGE - TOKEN.length + 1; before < MAX_SERVER_MESSAGE; before++) {
      const text = 'y'.repeat(before) + TOKEN + 'z'.repeat(5000);
      const { head, omitted } = scrubbedHead(text, MAX_SERVER_MESSAGE);
      expect(head).toBe('y'.repeat(before) + '[redacted]');
      expect(head).not.toContain(TOKEN.slice(0, 4));
      expect(omitted).toBe(5000);
    }
  });
});

describe('the forms of a secret', () => {
  test('a token echoed in another letter case is scrubbed', () => {
    expect(scrub(`got ${TOKEN.toLowerCase()} and ${TOKEN.toUpperCase()}`)).toBe('got [redacted] and [redacted]');
  });

  test('a token inside the base64 of a larger text is scrubbed, at each of the three byte offsets', () => {
    for (const pad of ['', 'a', 'ab']) {
      const encoded = Buffer.from(`${pad}{"auth":"0:${TOKEN}","at":1}`).toString('base64');
      const scrubbed = scrub(`trace ${encoded}`);
      expect(scrubbed).toContain('[redacted]');
      // What is left of the base64 decodes to no piece of the token.
      for (const part of scrubbed.replace('trace ', '').split('[redacted]')) {
        for (let shift = 0; shift < 4; shift++) expect(Buffer.from(part.slice(shift), 'base64').toString('latin1')).not.toContain(TOKEN.slice(8, 20));
      }
    }
  });

  test('short secrets are not looked for in base64 (their forms would match by chance)', () => {
    expect(secretForms('abcd1234')).toEqual(['abcd1234']);
  });
});

describe('errors made from what a server said', () => {
  test('a 40 MB message is kept to a readable length, saying how much was left out', () => {
    const huge = 'Feil '.repeat(8 * 1024 * 1024);
    const error = new TripletexApiError({ method: 'GET', path: '/customer', status: 422, tripletexMessage: huge, developerMessage: huge, requestId: 'r'.repeat(1000) });
    expect(error.tripletexMessage!.length).toBeLessThan(MAX_SERVER_MESSAGE + 100);
    expect(error.tripletexMessage).toContain(`… [${(huge.length - MAX_SERVER_MESSAGE).toLocaleString('en-US')} more characters not shown]`);
    expect(error.message.length).toBeLessThan(3 * MAX_SERVER_MESSAGE);
    expect(error.requestId!.length).toBeLessThan(300);
    expect(JSON.stringify(error).length).toBeLessThan(10 * MAX_SERVER_MESSAGE);
    expect(inspect(error).length).toBeLessThan(20 * MAX_SERVER_MESSAGE);
  });

  test('validation messages are cut in number and length, and a variant made from the details keeps the same list', () => {
    const validationMessages = Array.from({ length: 5000 }, (_, i) => ({ field: `field${i}`, message: 'm'.repeat(10_000) }));
    const error = new TripletexApiError({ method: 'POST', path: '/order', status: 422, validationMessages });
    expect(error.validationMessages).toHaveLength(MAX_VALIDATION_MESSAGES + 1);
    expect(error.validationMessages[MAX_VALIDATION_MESSAGES]!.message).toBe(`… ${5000 - MAX_VALIDATION_MESSAGES} more validation messages not shown`);
    expect(error.message.length).toBeLessThan(MAX_VALIDATION_MESSAGES * (MAX_SERVER_MESSAGE + 100));
    const variant = new TripletexApiError(error.details, 'another summary');
    expect(variant.validationMessages).toEqual(error.validationMessages);
  });

  test('a network error scrubs and cuts its request id and detail', () => {
    const error = new TripletexNetworkError({ method: 'GET', path: '/x', failure: 'malformed-response', detail: `d ${TOKEN}`, mayHaveBeenApplied: false, requestId: `0:${TOKEN}` });
    expect(error.requestId).toBe('0:[redacted]');
    expect(error.detail).toBe('d [redacted]');
    expect(inspect(error) + JSON.stringify(error)).not.toContain(TOKEN);
  });
});
