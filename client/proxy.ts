/// <reference path="./proxy-from-env.d.ts" />
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Agents } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { getProxyForUrl } from 'proxy-from-env';
import type { NetworkFailure } from '../contract/errors.js';
import { registerSecretValue } from '../contract/secret.js';

// Corporate networks: which agent carries a request to Tripletex. proxy-from-env decides from
// HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY (lower case wins over upper case), read on
// every request so a host or a test can change them while running. hpagent opens a CONNECT
// tunnel through the proxy for http:// and https:// targets alike, so for https:// the proxy
// only learns the host and port. A failure before the tunnel is up becomes a ProxyFailure that
// names the proxy (never its user name or password) and says nothing reached Tripletex.

/** How long a proxy may stay silent while opening a tunnel before the attempt is given up. */
export const PROXY_CONNECT_TIMEOUT_MS = 30_000;

// Like Node's global agents, which got uses when no agent is given: keep-alive, reuse the most
// recently freed socket, close idle ones after 5 s.
const KEEP_ALIVE = { keepAlive: true, scheduling: 'lifo', timeout: 5_000 } as const;

export interface ProxyRoute {
  /** The proxy without user name or password, e.g. "http://proxy.example:3128". */
  proxy: string;
  /** The variable it came from, e.g. "HTTPS_PROXY". */
  variable: string;
  hasCredentials: boolean;
}

/** A proxy failed before anything reached Tripletex. The message is safe to show. */
export class ProxyFailure extends Error {
  readonly failure: NetworkFailure;
  readonly code: string;
  readonly neverSent = true;
  /** The proxy refused on purpose (a login it wants, a target it forbids): asking again gets the same answer. */
  readonly final: boolean;

  constructor(message: string, failure: NetworkFailure, code: string, final = false) {
    super(message);
    this.name = 'ProxyFailure';
    this.failure = failure;
    this.code = code;
    this.final = final;
  }
}

/** The proxy part of a failed request, for transport.ts's classification; undefined when no proxy was involved. */
export function proxyFailureOf(error: unknown): { failure: NetworkFailure; neverSent: boolean; detail: string; final: boolean } | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (current instanceof ProxyFailure) return { failure: current.failure, neverSent: current.neverSent, detail: current.message, final: current.final };
  }
  return undefined;
}

function variablesFor(protocol: string): string[] {
  return [`${protocol}_proxy`, `${protocol.toUpperCase()}_PROXY`, 'all_proxy', 'ALL_PROXY'];
}

type Resolved = { kind: 'direct' } | { kind: 'proxy'; url: URL; route: ProxyRoute } | { kind: 'unusable'; reason: string };

/** Which proxy, if any, carries a request to `url` under the current environment. */
export function resolveProxy(url: URL): Resolved {
  const env = process.env;
  const chosen = getProxyForUrl(url);
  if (!chosen) return { kind: 'direct' };
  const protocol = url.protocol.replace(/:$/, '');
  // proxy-from-env does not say which variable it used; the first one holding its answer is it.
  const variable = variablesFor(protocol).find((name) => {
    const value = env[name];
    return value !== undefined && value !== '' && (value === chosen || `${protocol}://${value}` === chosen);
  }) ?? `${protocol.toUpperCase()}_PROXY`;
  const raw = env[variable] || chosen;
  // A value without a scheme ("proxy:3128") means a plain HTTP proxy, as curl reads it;
  // proxy-from-env would borrow the target's scheme and speak TLS to the proxy instead.
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    // The value is not repeated: it may hold a password.
    return { kind: 'unusable', reason: `${variable} does not hold a valid proxy URL (expected http://host:port or http://user:password@host:port)` };
  }
  const hasCredentials = proxyUrl.username !== '' || proxyUrl.password !== '';
  if (proxyUrl.password !== '') {
    registerSecretValue(proxyUrl.password);
    registerSecretValue(safeDecode(proxyUrl.password));
  }
  const shown = `${proxyUrl.protocol}//${proxyUrl.host}`;
  if (proxyUrl.protocol !== 'http:' && proxyUrl.protocol !== 'https:') {
    return { kind: 'unusable', reason: `${variable} names a ${proxyUrl.protocol.replace(/:$/, '')} proxy (${proxyUrl.host}); only http:// and https:// proxies are supported` };
  }
  return { kind: 'proxy', url: proxyUrl, route: { proxy: shown, variable, hasCredentials } };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Turns what hpagent or the socket reported into a message about the proxy. */
export function describeProxyError(route: ProxyRoute, target: string, error: Error): ProxyFailure {
  const via = `via proxy ${route.proxy} from ${route.variable}`;
  const code = (error as NodeJS.ErrnoException).code;
  const status = /^Bad response: (\d{3})$/.exec(error.message)?.[1];
  if (status === '407') {
    const hint = route.hasCredentials
      ? `it did not accept the user name and password in ${route.variable}`
      : `put them in ${route.variable} as http://user:password@host:port`;
    return new ProxyFailure(`${via}: the proxy asks for a user name and password (407); ${hint}`, 'other', 'ERR_PROXY_AUTHENTICATION', true);
  }
  // A 4xx is the proxy's policy (this target is not allowed); a 5xx may pass (Tripletex unreachable for now).
  if (status) return new ProxyFailure(`${via}: the proxy would not open a tunnel to ${target} (it answered ${status})`, 'other', 'ERR_PROXY_TUNNEL', status.startsWith('4'));
  switch (code) {
    case 'ECONNREFUSED':
      return new ProxyFailure(`${via}: the proxy refused the connection`, 'refused', code);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ProxyFailure(`${via}: the proxy's host name could not be resolved`, 'other', code);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ProxyFailure(`${via}: the proxy closed the connection before the tunnel was open`, 'reset', code);
  }
  if (error.message === 'Proxy timeout') {
    return new ProxyFailure(`${via}: the proxy did not answer within ${PROXY_CONNECT_TIMEOUT_MS / 1000} s`, 'timeout', 'ERR_PROXY_TIMEOUT');
  }
  if (/socket hang up/i.test(error.message)) {
    return new ProxyFailure(`${via}: the proxy closed the connection before the tunnel was open`, 'reset', code ?? 'ECONNRESET');
  }
  return new ProxyFailure(`${via}: the connection to the proxy failed (${code ?? error.name})`, 'other', code ?? 'ERR_PROXY');
}

type ConnectionCallback = (error: Error | null, socket: Duplex | null) => void;

function reporting(route: ProxyRoute, options: http.ClientRequestArgs, callback: ConnectionCallback): ConnectionCallback {
  const target = `${options.host ?? options.hostname ?? '?'}:${options.port ?? '?'}`;
  return (error, socket) => (error ? callback(describeProxyError(route, target, error), null) : callback(null, socket));
}

// hpagent's agents, with failures to reach the proxy reported as ProxyFailure and the tunnel
// request's own time limit instead of the idle-socket one.

class TunnelForHttp extends HttpProxyAgent {
  constructor(readonly route: ProxyRoute, proxy: URL) {
    super({ ...KEEP_ALIVE, proxy });
  }

  override createConnection(options: http.ClientRequestArgs, callback: ConnectionCallback) {
    return super.createConnection({ ...options, timeout: PROXY_CONNECT_TIMEOUT_MS }, reporting(this.route, options, callback));
  }
}

class TunnelForHttps extends HttpsProxyAgent {
  constructor(readonly route: ProxyRoute, proxy: URL) {
    super({ ...KEEP_ALIVE, proxy });
  }

  override createConnection(options: http.ClientRequestArgs, callback: ConnectionCallback) {
    return super.createConnection({ ...options, timeout: PROXY_CONNECT_TIMEOUT_MS }, reporting(this.route, options, callback));
  }
}

/** Fails every request with the reason the proxy setting cannot be used, instead of going direct. */
function refusingAgents(reason: string): Agents {
  const refuse = (_options: http.ClientRequestArgs, callback: ConnectionCallback): undefined => {
    process.nextTick(callback, new ProxyFailure(reason, 'other', 'ERR_PROXY_SETTING'), null);
    return undefined;
  };
  const httpAgent = new http.Agent();
  const httpsAgent = new https.Agent();
  Object.assign(httpAgent, { createConnection: refuse });
  Object.assign(httpsAgent, { createConnection: refuse });
  return { http: httpAgent, https: httpsAgent };
}

// One agent per (target scheme, variable, proxy URL), so keep-alive connections are shared.
const cache = new Map<string, { agents: Agents; agent: http.Agent }>();

function tunnelFor(secure: boolean, route: ProxyRoute, proxy: URL): { agents: Agents; agent: http.Agent } {
  if (secure) {
    const agent = new TunnelForHttps(route, proxy);
    return { agents: { https: agent }, agent };
  }
  const agent = new TunnelForHttp(route, proxy);
  return { agents: { http: agent }, agent };
}

/** The agents for a request to `url`, or undefined to connect directly. */
export function agentsFor(url: URL): Agents | undefined {
  const resolved = resolveProxy(url);
  if (resolved.kind === 'direct') return undefined;
  if (resolved.kind === 'unusable') return refusingAgents(resolved.reason);
  const key = `${url.protocol}|${resolved.route.variable}|${resolved.url.href}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = tunnelFor(url.protocol === 'https:', resolved.route, resolved.url);
    cache.set(key, entry);
  }
  return entry.agents;
}

/** Closes every proxy connection kept alive and forgets the agents (tests; a host shutting down). */
export function closeProxyAgents(): void {
  for (const { agent } of cache.values()) agent.destroy();
  cache.clear();
}
