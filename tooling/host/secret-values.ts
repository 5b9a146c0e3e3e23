import { findMatches } from './json-walk.js';
import type { Redactor } from './redact.js';
import { isPlainObject } from './schema-tools.js';

// Which values the host registers with its redactor: only those of properties the pack's
// schemas mark secret — a workspace object type's secret properties (the manifest's
// secretProperties, and writeOnly / x-secret / format "password" in its schema) and an action's
// secret inputs and outputs, as pack-loader.ts computes them. Where the value came from does not
// matter: written into a file, read from an environment variable, or taken from another step's
// output, it is registered once it fills a secret property. Every other value is data: a
// company id or `useTestEnvironment` read from an environment variable is shown in logs like
// any other value, and rows are never rewritten. Redactor.add then skips values too short or
// too common to be secrets (isSecretLike in redact.ts).

/**
 * Registers a secret property's value: the value itself when it is a string, every string
 * inside it when it is an object or array. `skip` leaves out nodes that are not values yet
 * (an unresolved {"$env": …} reference, whose string is a variable's name).
 */
export function registerSecretValue(redactor: Redactor, value: unknown, skip?: (node: unknown) => boolean): void {
  const SKIPPED = Symbol('skipped');
  for (const { match } of findMatches<string | typeof SKIPPED>(value, (node) => (skip?.(node) ? SKIPPED : typeof node === 'string' ? node : undefined))) {
    if (match !== SKIPPED) redactor.add(match);
  }
}

/** Registers the values of the named properties of an object (nothing when it is not one). */
export function registerSecretProperties(redactor: Redactor, object: unknown, names: Iterable<string>, skip?: (node: unknown) => boolean): void {
  if (!isPlainObject(object)) return;
  for (const name of names) {
    if (Object.hasOwn(object, name)) registerSecretValue(redactor, object[name], skip);
  }
}
