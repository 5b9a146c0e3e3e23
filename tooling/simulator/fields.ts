import { modelProperties } from './model.js';

// Tripletex's `fields` parameter: `*`, `a,b`, `sub(*)`, `sub(x,y)`, nested to any depth.
// Without it every top-level field is returned and every nested object that has an id is
// shortened to {id, url}; naming a nested field with parentheses expands it. A field the
// model does not have is refused (400, code 11000) the way Tripletex refuses it.

export interface FieldSpec {
  all: boolean;
  fields: Map<string, FieldSpec | null>;
}

export const ALL_FIELDS: FieldSpec = { all: true, fields: new Map() };

export class FieldsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A lazily resolved reference to a row of another collection (customer on an invoice, ...). */
export class Ref {
  constructor(
    readonly id: number,
    readonly url: string,
    private readonly resolver: () => Record<string, unknown> | undefined,
  ) {}

  resolve(): Record<string, unknown> | undefined {
    return this.resolver();
  }
}

export function parseFields(text: string): FieldSpec {
  let pos = 0;
  const fail = (why: string): never => {
    throw new FieldsError(`Illegal fields filter: ${why} at position ${pos}.`, text);
  };
  const parseList = (depth: number): FieldSpec => {
    const spec: FieldSpec = { all: false, fields: new Map() };
    for (;;) {
      while (text[pos] === ' ') pos++;
      if (text[pos] === '*') {
        spec.all = true;
        pos++;
      } else {
        const start = pos;
        while (pos < text.length && /[A-Za-z0-9_]/.test(text[pos]!)) pos++;
        const name = text.slice(start, pos);
        if (name) {
          let sub: FieldSpec | null = null;
          while (text[pos] === ' ') pos++;
          if (text[pos] === '(') {
            pos++;
            sub = parseList(depth + 1);
            if (text[pos] !== ')') fail('missing )');
            pos++;
          }
          spec.fields.set(name, sub);
        }
      }
      while (text[pos] === ' ') pos++;
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (pos >= text.length) {
        if (depth > 0) fail('missing )');
        return spec;
      }
      if (text[pos] === ')' && depth > 0) return spec;
      fail(`unexpected "${text[pos]}"`);
    }
  };
  const spec = parseList(0);
  if (!spec.all && spec.fields.size === 0) return ALL_FIELDS;
  return spec;
}

/** Refuses fields the model does not have, the way Tripletex words it. */
export function checkFields(spec: FieldSpec, model: string): void {
  const props = modelProperties(model);
  if (!props) return;
  for (const [name, sub] of spec.fields) {
    const info = props.get(name);
    if (!info) throw new FieldsError(`Illegal field in fields filter: ${name}. ${name} does not match a field in the model: ${model}DTO`, name);
    if (sub && info.ref) checkFields(sub, info.ref);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Ref);
}

function isEntity(value: Record<string, unknown>): boolean {
  return typeof value.id === 'number' && typeof value.url === 'string';
}

function projectValue(value: unknown, sub: FieldSpec | null): unknown {
  if (value instanceof Ref) {
    if (!sub) return { id: value.id, url: value.url };
    return project(value.resolve() ?? { id: value.id, url: value.url }, sub);
  }
  if (Array.isArray(value)) return value.map((item) => projectValue(item, sub));
  if (isPlainObject(value)) {
    if (isEntity(value) && !sub) return { id: value.id, url: value.url };
    return project(value, sub ?? ALL_FIELDS);
  }
  return value;
}

export function project(row: Record<string, unknown>, spec: FieldSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (value === undefined) continue;
    if (spec.fields.has(key)) out[key] = projectValue(value, spec.fields.get(key) ?? null);
    else if (spec.all) out[key] = projectValue(value, null);
  }
  return out;
}

/** Reads a dotted path (e.g. "customer.name") through rows and references, for sorting. */
export function valueAt(row: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = row;
  for (const part of path) {
    if (current instanceof Ref) current = current.resolve();
    if (!isPlainObject(current)) return undefined;
    current = current[part];
  }
  if (current instanceof Ref) return current.id;
  if (isPlainObject(current) && typeof current.id === 'number') return current.id;
  return current;
}
