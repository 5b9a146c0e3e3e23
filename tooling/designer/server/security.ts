import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

// The designer listens on 127.0.0.1 only, but any local process, and any web page the user
// visits through the browser, can still try to reach it. Three locks:
// - the Host header must name this server (a DNS-rebinding page arrives with its own name);
// - every route but the page's own files needs the per-launch token from the printed address,
//   in a header, which a cross-site page can neither read nor send without a CORS preflight
//   this server refuses;
// - a Content-Security-Policy that allows only this server's own scripts, styles and calls.
//
// The token is checked against the route the router chose, never against a spelling of the
// URL: the router decodes the path (`/%61pi/objects` is `/api/objects` to it), so a test of the
// raw URL can be walked around. Guarding is the default: a route is open only when it was
// registered through `servePublicFiles`, which marks it. A route anyone adds later with
// `app.get(…)` is guarded without doing anything, and so is a path no route serves: it is 401
// without the token and 404 with it, so that without the token nothing tells which paths exist.

export const TOKEN_HEADER = 'x-designer-token';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opens a route to requests without the token. Set only by servePublicFiles. */
    designerPublic?: boolean;
  }
}

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether the route the router matched for this request is one of the page's files. A 404 is not. */
function isPublicRoute(request: FastifyRequest): boolean {
  return request.routeOptions?.config?.designerPublic === true;
}

export interface SecurityOptions {
  token: string;
  /** The port, known once the server listens. */
  port: () => number;
}

export function installSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const deny = (reply: FastifyReply, status: number, message: string) => reply.code(status).type('application/json').send({ error: { message } });

  // onRequest runs after routing, for matched routes and for the not-found handler alike.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const port = options.port();
    const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    const host = request.headers.host?.toLowerCase();
    if (!host || !allowed.has(host)) return deny(reply, 421, 'This designer only answers to http://127.0.0.1 on its own port (Host header refused).');
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return deny(reply, 403, 'Requests from other sites are refused.');
    if (!isPublicRoute(request) && !sameToken(request.headers[TOKEN_HEADER], options.token)) {
      return deny(reply, 401, 'Missing or wrong access token: open the address the designer printed when it started.');
    }
    return undefined;
  });

  // Reached only with the token (the guard above runs first); says nothing of the path asked for.
  app.setNotFoundHandler((_request, reply) => deny(reply, 404, 'Nothing is served at this address.'));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    if (!isPublicRoute(request)) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/**
 * Registers routes that answer without the token (the page's own files), and only those:
 * every route `register` adds to the scope it is given is marked public; nothing else is.
 */
export async function servePublicFiles(app: FastifyInstance, register: (scope: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route: RouteOptions) => {
      route.config = { ...route.config, designerPublic: true };
    });
    await register(scope);
  });
}
