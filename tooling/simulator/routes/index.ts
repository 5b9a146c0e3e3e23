import { companyRoutes } from './company.js';
import type { Route } from './context.js';
import { resourceRoutes } from './resources.js';
import { sessionRoutes } from './session.js';

// The route table. A literal segment beats a {param} segment, so /token/session/>whoAmI is
// never taken for a session token, nor /ledger/voucher/>nonPosted for a voucher id.

export const ROUTES: Route[] = [...sessionRoutes, ...companyRoutes, ...resourceRoutes];

/** The list endpoints, by pattern: the paths a ListBehaviour may name. */
export const LIST_PATHS: readonly string[] = ROUTES.filter((route) => route.list !== undefined).map((route) => route.pattern);

interface Compiled {
  route: Route;
  parts: string[];
  params: number;
}

const compiled: Compiled[] = ROUTES.map((route) => {
  const parts = route.pattern.split('/').slice(1);
  return { route, parts, params: parts.filter((p) => p.startsWith('{')).length };
});

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; pattern: string; allow: string[] }
  | { kind: 'not-found' };

function bind(parts: string[], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = segments[i]!;
    if (part.startsWith('{')) {
      if (segment === '') return undefined;
      params[part.slice(1, -1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}

export function matchRoute(method: string, segments: string[]): RouteMatch {
  const candidates = compiled
    .map((c) => ({ c, params: bind(c.parts, segments) }))
    .filter((m): m is { c: Compiled; params: Record<string, string> } => m.params !== undefined);
  if (candidates.length === 0) return { kind: 'not-found' };
  const fewest = Math.min(...candidates.map((m) => m.c.params));
  const best = candidates.filter((m) => m.c.params === fewest);
  const hit = best.find((m) => m.c.route.method === method);
  if (hit) return { kind: 'found', route: hit.c.route, params: hit.params };
  return { kind: 'method-not-allowed', pattern: best[0]!.c.route.pattern, allow: [...new Set(best.map((m) => m.c.route.method))] };
}
