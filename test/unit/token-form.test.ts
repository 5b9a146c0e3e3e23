import { environmentByForm } from '../../connection/credentials.js';
import { Secret } from '../../contract/secret.js';

// Where a token looks made, by its form alone: advice for a pair whose tokens come from two
// environments, never a verdict.

const tripletexForm = (token: string) => Buffer.from(JSON.stringify({ tokenId: 42, token })).toString('base64');

describe('environmentByForm', () => {
  it("reads Tripletex's test- marker before the token or inside the JSON it encodes", () => {
    expect(environmentByForm(new Secret('test-' + tripletexForm('8a6f')))).toBe('test');
    expect(environmentByForm(new Secret(tripletexForm('test-8a6f')))).toBe('test');
    expect(environmentByForm(new Secret(tripletexForm('8a6f')))).toBe('production');
  });

  it('says nothing of a token that has neither the form nor the marker', () => {
    for (const token of ['not-a-real-token', 'abc', Buffer.from('plain text').toString('base64'), Buffer.from('[1,2]').toString('base64')]) {
      expect(environmentByForm(new Secret(token))).toBeUndefined();
    }
  });
});
