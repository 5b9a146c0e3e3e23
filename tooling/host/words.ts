import { hintsOf, inputNameWords, labelWords, rewordMessage, type InputWords } from '../../contract/hints.js';
import type { Pack } from './pack-loader.js';
import { isPlainObject } from './schema-tools.js';

// A pack's advice names inputs in a designer's words ("turn on "End dates are inclusive"") and
// hands the advice along as hints (contract/hints.ts). Each surface of this host says it its
// own way: the command line by its flags, a flow file by the inputs' names, the designer by the
// field labels of the schemas it shows.

export type { InputWords };

/** A flow file's words. */
export const flowWords: InputWords = inputNameWords;

/** The designer's words: the titles of every input and property in the pack's schemas. */
export function labelWordsFor(pack: Pack): InputWords {
  const titles = new Map<string, string>();
  const add = (schema: unknown) => {
    const properties = isPlainObject(schema) && isPlainObject(schema.properties) ? schema.properties : {};
    for (const [name, property] of Object.entries(properties)) {
      if (isPlainObject(property) && typeof property.title === 'string' && !titles.has(name)) titles.set(name, property.title);
    }
  };
  for (const action of pack.actions.values()) add(action.inputSchema);
  for (const type of pack.objectTypes.values()) add(type.schema);
  return labelWords(titles);
}

/** A message with the hints it carries put in `words`. */
export function reworded(message: string, carrier: unknown, words: InputWords): string {
  return rewordMessage(message, hintsOf(carrier), words);
}

/** An error as the host keeps it (its JSON form), its message and problems in `words`. */
export function rewordError<T extends Record<string, unknown>>(error: T, words: InputWords): T {
  const hints = hintsOf(error);
  if (hints.length === 0) return error;
  const out: Record<string, unknown> = { ...error };
  if (typeof error.message === 'string') out.message = rewordMessage(error.message, hints, words);
  if (Array.isArray(error.problems)) {
    out.problems = error.problems.map((p: unknown) => (isPlainObject(p) && typeof p.message === 'string' ? { ...p, message: rewordMessage(p.message, hints, words) } : p));
  }
  return out as T;
}
