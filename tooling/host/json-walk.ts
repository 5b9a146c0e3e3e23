import { isPlainObject } from './schema-tools.js';

// Walks over the JSON values the host is handed (a workspace object's properties, a step's
// inputs, a body) with a loop and a stack of its own instead of recursion: however deeply a
// value nests, the walk cannot run out of call stack. Where a node sits is kept as a chain of
// parent links and only turned into a path when someone asks for it, so a deep value does not
// cost a copy of its path at every level.

export type Path = (string | number)[];

interface Link {
  parent: Link | undefined;
  key: string | number;
}

function pathOf(link: Link | undefined): Path {
  const path: Path = [];
  for (let at = link; at; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** The children of an array or plain object, last first (so that popping them keeps document order). */
function childrenReversed(node: unknown): [string | number, unknown][] {
  if (Array.isArray(node)) {
    const out: [number, unknown][] = [];
    for (let i = node.length - 1; i >= 0; i--) out.push([i, node[i]]);
    return out;
  }
  if (isPlainObject(node)) return Object.entries(node).reverse();
  return [];
}

/**
 * Every node `match` answers for (anything but undefined), in document order, with its path.
 * The walk does not go inside a node that matched.
 */
export function findMatches<T>(value: unknown, match: (node: unknown) => T | undefined): { match: T; path: Path }[] {
  const found: { match: T; path: Path }[] = [];
  const stack: { node: unknown; link: Link | undefined }[] = [{ node: value, link: undefined }];
  while (stack.length > 0) {
    const { node, link } = stack.pop()!;
    const hit = match(node);
    if (hit !== undefined) {
      found.push({ match: hit, path: pathOf(link) });
      continue;
    }
    for (const [key, child] of childrenReversed(node)) stack.push({ node: child, link: { parent: link, key } });
  }
  return found;
}

/** Calls visit on every node of value: itself, then each array item and property value, in document order. */
export function eachNode(value: unknown, visit: (node: unknown) => void): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    visit(node);
    for (const [, child] of childrenReversed(node)) stack.push(child);
  }
}

/** Sets an own property, also for a key such as "__proto__" that plain assignment would treat specially. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A copy of value (arrays and plain objects copied, everything else shared) in which each node
 * `replace` answers for is swapped for `answer.value`; the walk does not go inside such a node.
 * `path()` says where the node sits, for messages.
 */
export function replaceMatches(value: unknown, replace: (node: unknown, path: () => Path) => { value: unknown } | undefined): unknown {
  const root: Record<string, unknown> = {};
  const stack: { node: unknown; link: Link | undefined; into: Record<string, unknown> | unknown[]; key: string | number }[] = [
    { node: value, link: undefined, into: root, key: 'value' },
  ];
  while (stack.length > 0) {
    const { node, link, into, key } = stack.pop()!;
    const answer = replace(node, () => pathOf(link));
    let copy: unknown;
    if (answer) copy = answer.value;
    else if (Array.isArray(node)) copy = new Array<unknown>(node.length);
    else if (isPlainObject(node)) copy = {};
    else copy = node;
    if (Array.isArray(into)) into[key as number] = copy;
    else setOwn(into, String(key), copy);
    if (answer || copy === node) continue;
    for (const [childKey, child] of childrenReversed(node)) {
      stack.push({ node: child, link: { parent: link, key: childKey }, into: copy as Record<string, unknown> | unknown[], key: childKey });
    }
  }
  return root.value;
}
