import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TripletexApiError } from '../../contract/errors.js';
import { PACKAGE_ROOT } from '../../contract/package-root.js';
import { inEnglish, withEnglish } from '../../contract/tripletex-norwegian.js';

// Tripletex's Norwegian messages keep their words and get an English explanation beside them.
// Every message the simulator can answer with is read from its source: a new Norwegian one
// fails this test until it is explained.

/** Messages the simulator writes in English, as Tripletex does for these (recorded answers). */
const ENGLISH = new Set(['Unauthorized', 'You do not have permission to access this feature.', 'Object not found', 'Validation failed', 'Result set too large. Limit of 10.000 reached.']);

function simulatorMessages(): string[] {
  const dir = join(PACKAGE_ROOT, 'tooling', 'simulator');
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'routes')).map((f) => join(dir, 'routes', f))].filter((f) => f.endsWith('.ts'));
  const found = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bmessage: (?:'((?:[^'\\]|\\.)*)'|`([^`]*)`)/g)) found.add((match[1] ?? match[2]!).replace(/\\'/g, "'").replace(/\$\{[^}]*\}/g, 'id'));
    // The default message of each status.
    const defaults = /const DEFAULT_MESSAGES[^{]*\{([^}]*)\}/.exec(text);
    if (defaults) for (const match of defaults[1]!.matchAll(/\d{3}: '([^']*)'/g)) found.add(match[1]!);
    const fallback = /: '([^']*)',\n\s*link: DOC_LINK/.exec(text);
    if (fallback) found.add(fallback[1]!);
  }
  return [...found].sort();
}

describe("Tripletex's Norwegian messages", () => {
  const messages = simulatorMessages();

  it('finds the messages the simulator answers with', () => {
    expect(messages).toEqual(expect.arrayContaining(['Kan ikke være null.', 'Validering feilet.', 'Til-dato (ikke inkludert) må være etter fra-dato.', 'Feil.']));
  });

  it.each(messages.map((m) => [m]))('%s is explained in English or is English already', (message) => {
    expect({ message, explained: inEnglish(message) !== undefined || ENGLISH.has(message) }).toEqual({ message, explained: true });
  });

  it("keeps Tripletex's words and puts the explanation beside them", () => {
    expect(withEnglish('Kan ikke være null.')).toBe('Kan ikke være null. (in English: is required: it cannot be empty)');
    expect(withEnglish('Ugyldig sortering: -navn.')).toBe('Ugyldig sortering: -navn. (in English: invalid sorting: -navn)');
    expect(withEnglish('Something new')).toBe('Something new');
    const error = new TripletexApiError({
      method: 'GET',
      path: '/invoice',
      status: 422,
      code: 15000,
      tripletexMessage: 'Validering feilet.',
      validationMessages: [{ field: 'invoiceDateFrom', message: 'Kan ikke være null.' }],
    });
    expect(error.message).toBe(
      'Tripletex answered 422 (code 15000) to GET /invoice: Validering feilet (in English: validation failed) [invoiceDateFrom: Kan ikke være null. (in English: is required: it cannot be empty)]',
    );
    // The fields keep exactly what Tripletex said.
    expect(error.tripletexMessage).toBe('Validering feilet.');
    expect(error.validationMessages[0]!.message).toBe('Kan ikke være null.');
  });
});
