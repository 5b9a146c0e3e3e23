import { scrub } from '../../contract/secret.js';
import { basicAuthorization } from '../../connection/tripletex-client.js';
import { Secret } from '../../contract/secret.js';

// The forms an Authorization value takes when a server echoes it back, and the ordinary text
// that must come through untouched.

describe('scrub', () => {
  it('removes an Authorization value it was never told about, in any case of the scheme', () => {
    const unknown = Buffer.from('9:never-registered-session-value').toString('base64');
    for (const scheme of ['Basic', 'basic', 'BASIC', 'bearer', 'Bearer']) {
      expect(scrub(`header was ${scheme} ${unknown} end`)).toBe(`header was ${scheme} [redacted] end`);
    }
  });

  it('leaves ordinary words after "basic" alone', () => {
    for (const text of ['Basic validation failed', 'Basic Authorization required', 'basic information about the customer', 'Bearer tokens are not supported']) {
      expect(scrub(text)).toBe(text);
    }
  });

  it('knows every Authorization value the pack built, with or without its scheme, and what it encodes', () => {
    const session = new Secret('session-for-scrub-forms-5e1f');
    for (const companyId of [0, 77, 3001004]) {
      const header = basicAuthorization(companyId, session).reveal();
      const encoded = header.slice('Basic '.length);
      expect(scrub(`echo ${encoded} end`)).toBe('echo [redacted] end');
      expect(scrub(`echo ${companyId}:session-for-scrub-forms-5e1f end`)).toBe('echo [redacted] end');
    }
  });
});
