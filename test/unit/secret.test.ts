import { inspect } from 'node:util';
import { Secret, scrub, scrubDeep } from '../../contract/secret.js';

describe('Secret', () => {
  const canary = 'CANARY-secret-7f3a9c';

  it('never prints its value through JSON, inspect, String or templates', () => {
    const secret = new Secret(canary);
    const holder = { secret, nested: { list: [secret] } };
    expect(JSON.stringify(holder)).not.toContain(canary);
    expect(inspect(holder, { depth: 10, showHidden: true })).not.toContain(canary);
    expect(String(secret)).not.toContain(canary);
    expect(`${secret}`).not.toContain(canary);
    expect(secret.reveal()).toBe(canary);
  });

  it('scrubs registered values, their URL-encoded form and Authorization values from text', () => {
    const withSpecials = new Secret('CANARY+/=tok&en');
    new Secret(canary);
    const text = `url ?employeeToken=${encodeURIComponent(withSpecials.reveal())} raw ${canary} Authorization: Basic MDpzZWNyZXQ=`;
    const out = scrub(text);
    expect(out).not.toContain(canary);
    expect(out).not.toContain(encodeURIComponent(withSpecials.reveal()));
    expect(out).not.toContain('MDpzZWNyZXQ=');
    expect(out).toContain('[redacted]');
  });

  it('scrubs deep data and redacts token-named keys', () => {
    new Secret(canary);
    const out = JSON.stringify(scrubDeep({ a: [`x ${canary}`], consumerToken: 'whatever', n: 1 }));
    expect(out).not.toContain(canary);
    expect(out).not.toContain('whatever');
    expect(out).toContain('"n":1');
  });
});
