// How deeply a value may nest before it is refused as input. Real Tripletex bodies nest a
// handful of levels (an order with lines with a product with a vat type); a value hundreds of
// levels deep is a mistake or an attack, and recursive code (JSON.stringify, schema
// validation, redaction) would run out of stack on it. The limit is checked by a loop, never
// by recursion, so the check itself cannot overflow.

/** Deepest nesting accepted in a body, a query, or a JSON file the host reads. */
export const MAX_INPUT_DEPTH = 64;

/**
 * The path (as a list of keys) of the first object or array nested deeper than `limit`, or
 * undefined when the value stays within it. A scalar has depth 0, `{}` and `[]` depth 1.
 */
export function tooDeep(value: unknown, limit = MAX_INPUT_DEPTH): (string | number)[] | undefined {
  const stack: { node: unknown; depth: number; path: (string | number)[] }[] = [{ node: value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    if (here > limit) return path;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], depth: here, path: [...path, i] });
    } else {
      for (const key of Object.keys(node).reverse()) stack.push({ node: (node as Record<string, unknown>)[key], depth: here, path: [...path, key] });
    }
  }
  return undefined;
}

/**
 * Where JSON text first opens a level deeper than `limit` (the offset of that bracket), counted
 * over its brackets without parsing it, so a file can be refused before anything recursive sees
 * it; undefined when it stays within. Brackets inside strings do not count.
 */
export function jsonTooDeepAt(text: string, limit = MAX_INPUT_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}
