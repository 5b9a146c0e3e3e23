import { envNameProblem, isEnvName, looksLikeToken } from './env-names.js';
import { MissingEnvError, type Problem } from './errors.js';
import { findMatches, replaceMatches, type Path } from './json-walk.js';
import { isSecretReference, readStoredSecret } from './secret-store.js';
import type { Redactor } from './redact.js';
import { declaredTypes, isPlainObject, pointerToField, type JsonObject } from './schema-tools.js';

// `{ "$env": "VARIABLE" }` in a workspace object's properties or a flow step's inputs stands for
// the value of that environment variable. Resolving a reference registers nothing as a secret:
// whether a value is secret depends on the property it fills (see secret-values.ts), not on
// where it came from, so a company id read from a variable is printed like any other number.

export interface EnvReference {
  $env: string;
}

export type { Path };

export function isEnvReference(value: unknown): value is EnvReference {
  return isPlainObject(value) && typeof value.$env === 'string' && Object.keys(value).length === 1;
}

/** Every $env reference inside value, with where it sits. */
export function findEnvReferences(value: unknown): { variable: string; path: Path }[] {
  return findMatches(value, (node) => (isEnvReference(node) ? node.$env : undefined)).map(({ match, path }) => ({ variable: match, path }));
}

/**
 * Every {"$env": …} inside value whose "name" is a pasted value (looksLikeToken): each is
 * registered with the redactor so that it is never printed, and reported by where it sits,
 * never by what it is. Names that are merely malformed are the schemas' to report.
 */
export function pastedValueProblems(value: unknown, fieldOf: (path: Path) => string, redactor?: Redactor): Problem[] {
  const problems: Problem[] = [];
  for (const { variable, path } of findEnvReferences(value)) {
    if (isEnvName(variable)) continue;
    redactor?.add(variable);
    if (looksLikeToken(variable)) problems.push({ field: fieldOf(path), message: envNameProblem(variable)! });
  }
  return problems;
}

/** JSON pointer ("/a/0/b") of a path, as ajv reports instance paths. */
export function toPointer(path: Path): string {
  return path.map((part) => '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * An environment value for a property whose schema does not accept strings: "42" for an
 * integer, "true" for a boolean. Anything else stays a string and fails validation by name.
 */
export function coerceEnvValue(raw: string, schema: JsonObject | undefined): unknown {
  const types = declaredTypes(schema);
  if (!types || types.includes('string')) return raw;
  const text = raw.trim();
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if (types.includes('null') && text === '') return null;
  return raw;
}

export interface ResolveEnvOptions {
  env: NodeJS.ProcessEnv;
  /** Describes a path for a missing-variable message, e.g. `object "Demo", property consumerToken`. */
  where: (path: Path) => string;
  /** Schema of the top-level property a path starts in, to coerce numbers and booleans. */
  schemaFor?: (path: Path) => JsonObject | undefined;
}

/**
 * A copy of value with every $env reference replaced by its variable's value. Missing variables
 * are collected and thrown together as one MissingEnvError (names only, never values).
 */
export function resolveEnvReferences(value: unknown, options: ResolveEnvOptions): unknown {
  const missing: { variable: string; where: string }[] = [];
  const out = replaceMatches(value, (node, pathOf) => {
    // {"$secret": id}: a value the designer saved in the user's secrets file (secret-store.ts).
    // Only secret properties hold one; they are registered as secrets where they are used.
    if (isSecretReference(node)) return { value: readStoredSecret(node.$secret, options.where(pathOf()), options.env) };
    if (!isEnvReference(node)) return undefined;
    const path = pathOf();
    const raw = options.env[node.$env];
    if (raw === undefined) {
      missing.push({ variable: node.$env, where: options.where(path) });
      return { value: undefined };
    }
    return { value: path.length === 1 && options.schemaFor ? coerceEnvValue(raw, options.schemaFor(path)) : raw };
  });
  if (missing.length > 0) throw new MissingEnvError(missing);
  return out;
}

export function describePath(path: Path): string {
  return pointerToField(path) || '(whole value)';
}

/**
 * A value that came from an environment variable, for a message: the variable with the value
 * when it is short and not secret (a company id, a switch), else only what kind of value it is.
 */
export function describeEnvValue(variable: string, raw: string, secret: boolean): string {
  if (secret) return `${variable} (secret, not shown)`;
  if (raw.length > 32) return `${variable} (a value of ${raw.length} characters)`;
  return `${variable}=${JSON.stringify(raw)}`;
}

const TYPE_WORDS: Record<string, string> = { integer: 'an integer', number: 'a number', boolean: 'true or false', string: 'text' };

/** A schema problem with a value from a variable, said of the variable: `CLIENT_ID="abc" is not an integer`. */
export function envValueProblem(problem: Problem, variable: string, raw: string, secret: boolean): Problem {
  const type = /^must be (integer|number|boolean|string)(?: or null)?$/.exec(problem.message);
  const what = type ? `is not ${TYPE_WORDS[type[1]!]}` : problem.message;
  return { field: problem.field, message: `${describeEnvValue(variable, raw, secret)} ${what}` };
}
