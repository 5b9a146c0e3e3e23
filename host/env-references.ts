import { MissingEnvError } from './errors.js';
import type { Redactor } from './redact.js';
import { isSecretReference, readStoredSecret } from './secret-store.js';
import { declaredTypes, isPlainObject, pointerToField, type JsonObject } from './schema-tools.js';

// `{ "$env": "VARIABLE" }` in a workspace object's properties or a flow step's inputs stands for
// the value of that environment variable. Resolved values are registered as secrets with the
// host's redactor: the host cannot tell a token from a name, so it prints none of them.

export interface EnvReference {
  $env: string;
}

export type Path = (string | number)[];

export function isEnvReference(value: unknown): value is EnvReference {
  return isPlainObject(value) && typeof value.$env === 'string' && Object.keys(value).length === 1;
}

/** Every $env reference inside value, with where it sits. */
export function findEnvReferences(value: unknown, path: Path = []): { variable: string; path: Path }[] {
  if (isEnvReference(value)) return [{ variable: value.$env, path }];
  if (Array.isArray(value)) return value.flatMap((item, i) => findEnvReferences(item, [...path, i]));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, item]) => findEnvReferences(item, [...path, key]));
  return [];
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
  redactor: Redactor;
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
  const walk = (node: unknown, path: Path): unknown => {
    // {"$secret": id}: a value the designer saved in the user's secrets file (secret-store.ts).
    if (isSecretReference(node)) {
      const stored = readStoredSecret(node.$secret, options.where(path), options.env);
      options.redactor.add(stored);
      return stored;
    }
    if (isEnvReference(node)) {
      const raw = options.env[node.$env];
      if (raw === undefined) {
        missing.push({ variable: node.$env, where: options.where(path) });
        return undefined;
      }
      options.redactor.add(raw);
      return path.length === 1 && options.schemaFor ? coerceEnvValue(raw, options.schemaFor(path)) : raw;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    return node;
  };
  const out = walk(value, []);
  if (missing.length > 0) throw new MissingEnvError(missing);
  return out;
}

export function describePath(path: Path): string {
  return pointerToField(path) || '(whole value)';
}
