import type { ErrorObject } from 'ajv';

// How a JSON Schema failure is put into words, shared by the pack (its inputs) and the
// reference host (workspace and flow files). It depends on nothing but ajv's error shape, so
// a host can use it without loading the pack. A message names the field and the rule and
// never quotes the value: the value may be a token.

export interface Problem {
  field: string;
  message: string;
}

/** ["steps", "1", "inputs"] → "steps[1].inputs". */
export function pointerToField(parts: (string | number)[]): string {
  return parts.map((part, i) => (typeof part === 'number' || /^\d+$/.test(part) ? `[${part}]` : (i === 0 ? '' : '.') + part)).join('');
}

/** The field an error is about, relative to the validated value ("" for the value itself). */
export function fieldOfError(error: ErrorObject): string {
  const parts = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) parts.push(params.missingProperty);
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) parts.push(params.additionalProperty);
  return pointerToField(parts);
}

/** Plain words for the patterns the schemas use, in place of the regular expression. */
const PATTERN_WORDS: Record<string, string> = {
  '^\\S+$': 'must not contain spaces or line breaks',
  '\\S': 'must not be blank',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'must be an environment variable name (letters, digits and _, not starting with a digit)',
  '^/[A-Za-z0-9_>:%./-]+$': 'must be a Tripletex path below /v2 such as /customer or /company/>withLoginAccess: no host, no spaces, no query string (use Query)',
  '^[\\x20-\\x7E]+$': 'must hold printable ASCII characters only (it is sent as an HTTP header): no line breaks, tabs or other control characters, no letters outside ASCII',
};

export function describeSchemaError(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known property';
    case 'type':
      return `must be ${String(p.type).replace(/,/g, ' or ')}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item(s)`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} item(s)`;
    case 'pattern':
      return PATTERN_WORDS[String(p.pattern)] ?? `does not have the expected form (pattern ${String(p.pattern)})`;
    case 'format':
      return `must be a valid ${String(p.format)}`;
    case 'not':
      return 'is not allowed here';
    case 'anyOf':
    case 'oneOf':
      return 'does not match any accepted form';
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * anyOf/oneOf report the failures of every branch, which reads as nonsense ("name is not a
 * known property" from a branch the user never meant). Keep the errors of the branch that came
 * closest, the one with the fewest; ajv lists a branch's errors just before its anyOf error.
 */
export function closestBranches(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      out.push(error);
      continue;
    }
    const children: ErrorObject[] = [];
    while (out.length > 0 && out[out.length - 1]!.instancePath.startsWith(error.instancePath)) children.unshift(out.pop()!);
    const branches = new Map<string, ErrorObject[]>();
    for (const child of children) {
      // A branch that is a $ref reports paths inside the referenced schema; those group by file.
      const rest = child.schemaPath.startsWith(error.schemaPath + '/') ? child.schemaPath.slice(error.schemaPath.length + 1) : child.schemaPath;
      const key = rest.split('/')[0] ?? '';
      branches.set(key, [...(branches.get(key) ?? []), child]);
    }
    const best = [...branches.values()].sort((a, b) => a.length - b.length)[0];
    if (best && best.length > 0) out.push(...best);
    else out.push(error);
  }
  return out;
}

/** One problem per field and message; `fieldFor` places each error's field under a root. */
export function schemaProblems(errors: ErrorObject[], fieldFor: (inner: string) => string): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const error of closestBranches(errors)) {
    const field = fieldFor(fieldOfError(error));
    const message = describeSchemaError(error);
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}
