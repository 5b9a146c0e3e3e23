import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// The designer listens on 127.0.0.1 only, but any web page the user visits can still try to
// reach it through the browser. Three locks:
// - the Host header must name this server (a DNS-rebinding page arrives with its own name);
// - every API call carries the per-launch token from the printed address, in a header, which
//   a cross-site page can neither read nor send without a CORS preflight this server refuses;
// - a Content-Security-Policy that allows only this server's own scripts, styles and calls.

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

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SecurityOptions {
  token: string;
  /** The port, known once the server listens. */
  port: () => number;
}

export function installSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const deny = (reply: FastifyReply, status: number, message: string) => reply.code(status).type('application/json').send({ error: { message } });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const port = options.port();
    const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    const host = request.headers.host?.toLowerCase();
    if (!host || !allowed.has(host)) return deny(reply, 421, 'This designer only answers to http://127.0.0.1 on its own port (Host header refused).');
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return deny(reply, 403, 'Requests from other sites are refused.');
    if (request.url.startsWith('/api/') && !sameToken(request.headers[TOKEN_HEADER], options.token)) {
      return deny(reply, 401, 'Missing or wrong access token: open the address the designer printed when it started.');
    }
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
