import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { agentsFor, closeProxyAgents, describeProxyError, proxyFailureOf, resolveProxy, type ProxyRoute } from '../../client/proxy.js';
import { TripletexNetworkError } from '../../contract/errors.js';
import { scrub } from '../../contract/secret.js';

// Which agent carries a request, decided from the proxy variables at call time. No socket is
// opened here: these tests look at the decision and at the messages a failing proxy produces.

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'];
const PRODUCTION = new URL('https://tripletex.no/v2/customer');
const TEST = new URL('https://api-test.tripletex.tech/v2/customer');
const LOCAL = new URL('http://127.0.0.1:41234/v2/customer');

const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const name of PROXY_VARIABLES) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
});
afterEach(() => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  closeProxyAgents();
});

function setEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
}

function proxyOf(url: URL): string | undefined {
  const resolved = resolveProxy(url);
  return resolved.kind === 'proxy' ? `${resolved.route.proxy} from ${resolved.route.variable}` : resolved.kind === 'direct' ? undefined : `unusable: ${resolved.reason}`;
}

describe('choosing the proxy', () => {
  it('goes direct when no variable is set', () => {
    expect(agentsFor(PRODUCTION)).toBeUndefined();
    expect(agentsFor(LOCAL)).toBeUndefined();
  });

  it('uses HTTPS_PROXY for https:// and HTTP_PROXY for http:// targets, each with its own agent', () => {
    setEnv({ HTTPS_PROXY: 'http://secure-proxy.example:3128', HTTP_PROXY: 'http://plain-proxy.example:8080' });
    expect(proxyOf(PRODUCTION)).toBe('http://secure-proxy.example:3128 from HTTPS_PROXY');
    expect(proxyOf(LOCAL)).toBe('http://plain-proxy.example:8080 from HTTP_PROXY');
    const secure = agentsFor(PRODUCTION);
    const plain = agentsFor(LOCAL);
    expect(secure?.https).toBeDefined();
    expect(secure?.http).toBeUndefined();
    expect(plain?.http).toBeDefined();
    expect(plain?.https).toBeUndefined();
  });

  it('does not use HTTP_PROXY for an https:// target', () => {
    setEnv({ HTTP_PROXY: 'http://plain-proxy.example:8080' });
    expect(agentsFor(PRODUCTION)).toBeUndefined();
  });

  it('honours lower-case names, and lower case wins when both are set', () => {
    setEnv({ https_proxy: 'http://lower.example:3128' });
    expect(proxyOf(PRODUCTION)).toBe('http://lower.example:3128 from https_proxy');
    setEnv({ HTTPS_PROXY: 'http://upper.example:3128' });
    expect(proxyOf(PRODUCTION)).toBe('http://lower.example:3128 from https_proxy');
    // An empty lower-case value counts as not set.
    setEnv({ https_proxy: '' });
    expect(proxyOf(PRODUCTION)).toBe('http://upper.example:3128 from HTTPS_PROXY');
  });

  it('falls back to ALL_PROXY', () => {
    setEnv({ ALL_PROXY: 'http://everything.example:3128' });
    expect(proxyOf(PRODUCTION)).toBe('http://everything.example:3128 from ALL_PROXY');
    expect(proxyOf(LOCAL)).toBe('http://everything.example:3128 from ALL_PROXY');
  });

  it('reads a value without a scheme as a plain HTTP proxy, as curl does', () => {
    setEnv({ HTTPS_PROXY: 'proxy.example:3128' });
    expect(proxyOf(PRODUCTION)).toBe('http://proxy.example:3128 from HTTPS_PROXY');
  });

  it('takes an https:// proxy (TLS to the proxy itself)', () => {
    setEnv({ HTTPS_PROXY: 'https://tls-proxy.example:8443' });
    expect(proxyOf(PRODUCTION)).toBe('https://tls-proxy.example:8443 from HTTPS_PROXY');
  });

  it('reads the variables on every call and keeps one agent per proxy', () => {
    setEnv({ HTTPS_PROXY: 'http://one.example:3128' });
    const first = agentsFor(PRODUCTION);
    expect(agentsFor(TEST)?.https).toBe(first?.https);
    setEnv({ HTTPS_PROXY: 'http://two.example:3128' });
    const second = agentsFor(PRODUCTION);
    expect(second?.https).not.toBe(first?.https);
    delete process.env.HTTPS_PROXY;
    expect(agentsFor(PRODUCTION)).toBeUndefined();
  });

  it('keeps connections alive like got\'s default agents', () => {
    setEnv({ HTTPS_PROXY: 'http://proxy.example:3128' });
    const agent = agentsFor(PRODUCTION)?.https as unknown as { keepAlive: boolean; options: { scheduling?: string } };
    expect(agent.keepAlive).toBe(true);
    expect(agent.options.scheduling).toBe('lifo');
  });
});

describe('NO_PROXY', () => {
  beforeEach(() => setEnv({ HTTPS_PROXY: 'http://proxy.example:3128', HTTP_PROXY: 'http://proxy.example:3128' }));

  it.each([
    ['an exact host', 'NO_PROXY', 'tripletex.no', PRODUCTION, undefined],
    ['an exact host, lower-case variable', 'no_proxy', 'tripletex.no', PRODUCTION, undefined],
    ['a host suffix with a dot', 'NO_PROXY', '.tripletex.tech', TEST, undefined],
    ['a host suffix with *.', 'NO_PROXY', '*.tripletex.tech', TEST, undefined],
    ['a suffix does not cover another domain', 'NO_PROXY', '.tripletex.tech', PRODUCTION, 'http://proxy.example:3128 from HTTPS_PROXY'],
    ['a plain domain does not cover its subdomains', 'NO_PROXY', 'tripletex.tech', TEST, 'http://proxy.example:3128 from HTTPS_PROXY'],
    ['an IP address', 'NO_PROXY', '127.0.0.1', LOCAL, undefined],
    ['a host with the matching port', 'NO_PROXY', '127.0.0.1:41234', LOCAL, undefined],
    ['a host with another port', 'NO_PROXY', '127.0.0.1:9999', LOCAL, 'http://proxy.example:3128 from HTTP_PROXY'],
    ['the default port of https', 'NO_PROXY', 'tripletex.no:443', PRODUCTION, undefined],
    ['a list with spaces and commas', 'NO_PROXY', 'example.com, localhost,127.0.0.1', LOCAL, undefined],
    ['*', 'NO_PROXY', '*', PRODUCTION, undefined],
    ['*, lower-case variable', 'no_proxy', '*', LOCAL, undefined],
    ['an unrelated host', 'NO_PROXY', 'example.com', PRODUCTION, 'http://proxy.example:3128 from HTTPS_PROXY'],
  ])('%s', (_name, variable, value, url, expected) => {
    setEnv({ [variable]: value });
    expect(proxyOf(url)).toBe(expected);
    if (expected === undefined) expect(agentsFor(url)).toBeUndefined();
  });

  it('lower-case no_proxy wins over NO_PROXY', () => {
    setEnv({ NO_PROXY: 'tripletex.no', no_proxy: 'example.com' });
    expect(proxyOf(PRODUCTION)).toBe('http://proxy.example:3128 from HTTPS_PROXY');
  });
});

describe('proxy settings that cannot be used', () => {
  it('refuses a SOCKS proxy by name instead of going around it', () => {
    setEnv({ HTTPS_PROXY: 'socks5://socks.example:1080' });
    expect(proxyOf(PRODUCTION)).toBe('unusable: HTTPS_PROXY names a socks5 proxy (socks.example:1080); only http:// and https:// proxies are supported');
    expect(agentsFor(PRODUCTION)?.https).toBeDefined();
  });

  it('refuses a value that is not a URL without repeating it', () => {
    setEnv({ HTTPS_PROXY: 'http://user:CANARY-proxy-pw@[not a host' });
    const resolved = proxyOf(PRODUCTION);
    expect(resolved).toBe('unusable: HTTPS_PROXY does not hold a valid proxy URL (expected http://host:port or http://user:password@host:port)');
    expect(resolved).not.toContain('CANARY');
  });
});

describe('proxy credentials', () => {
  const PASSWORD = 'CANARY-proxy-p@ss/word';

  it('keep the user name and password out of what is shown, and mark the password secret', () => {
    setEnv({ HTTPS_PROXY: `http://corp-user:${encodeURIComponent(PASSWORD)}@proxy.example:3128` });
    const resolved = resolveProxy(PRODUCTION);
    expect(resolved.kind).toBe('proxy');
    if (resolved.kind !== 'proxy') return;
    expect(resolved.route).toEqual({ proxy: 'http://proxy.example:3128', variable: 'HTTPS_PROXY', hasCredentials: true });
    expect(scrub(`said ${PASSWORD} and ${encodeURIComponent(PASSWORD)}`)).toBe('said [redacted] and [redacted]');
    // Messages are built from the route alone; it holds neither the user name nor the password.
    expect(inspect(resolved.route)).not.toMatch(/corp-user|CANARY/);
  });
});

describe('what a failing proxy reports', () => {
  const route: ProxyRoute = { proxy: 'http://proxy.example:3128', variable: 'HTTPS_PROXY', hasCredentials: false };
  const withCredentials: ProxyRoute = { ...route, hasCredentials: true };
  const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

  it.each([
    ['refused', errno('ECONNREFUSED', 'connect ECONNREFUSED 10.1.2.3:3128'), route, 'refused', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy refused the connection'],
    ['unknown host', errno('ENOTFOUND', 'getaddrinfo ENOTFOUND proxy.example'), route, 'other', "via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy's host name could not be resolved"],
    ['reset', errno('ECONNRESET'), route, 'reset', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy closed the connection before the tunnel was open'],
    ['no credentials, 407', new Error('Bad response: 407'), route, 'other', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy asks for a user name and password (407); put them in HTTPS_PROXY as http://user:password@host:port'],
    ['wrong credentials, 407', new Error('Bad response: 407'), withCredentials, 'other', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy asks for a user name and password (407); it did not accept the user name and password in HTTPS_PROXY'],
    ['tunnel refused', new Error('Bad response: 403'), route, 'other', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy would not open a tunnel to tripletex.no:443 (it answered 403)'],
    ['silent proxy', new Error('Proxy timeout'), route, 'timeout', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy did not answer within 30 s'],
    ['anything else', errno('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), route, 'other', 'via proxy http://proxy.example:3128 from HTTPS_PROXY: the connection to the proxy failed (ERR_SSL_WRONG_VERSION_NUMBER)'],
  ])('%s', (_name, error, which, failure, message) => {
    const reported = describeProxyError(which, 'tripletex.no:443', error);
    expect(reported.message).toBe(message);
    expect(reported.failure).toBe(failure);
    expect(reported.neverSent).toBe(true);
  });

  it('is final (not worth a retry) only when the proxy refused on purpose: a login it wants, a target it forbids', () => {
    const final = (error: Error, via = route) => describeProxyError(via, 'tripletex.no:443', error).final;
    expect(final(new Error('Bad response: 407'))).toBe(true);
    expect(final(new Error('Bad response: 407'), withCredentials)).toBe(true);
    expect(final(new Error('Bad response: 403'))).toBe(true);
    expect(final(new Error('Bad response: 502'))).toBe(false);
    expect(final(new Error('Bad response: 503'))).toBe(false);
    expect(final(errno('ECONNREFUSED'))).toBe(false);
    expect(final(errno('ECONNRESET'))).toBe(false);
    expect(final(new Error('Proxy timeout'))).toBe(false);
  });

  it('is found behind the wrapping error got adds, and only there', () => {
    const reported = describeProxyError(route, 'tripletex.no:443', errno('ECONNREFUSED'));
    const wrapped = new Error('connect ECONNREFUSED', { cause: reported });
    expect(proxyFailureOf(wrapped)).toEqual({ failure: 'refused', neverSent: true, detail: reported.message, final: false });
    expect(proxyFailureOf(errno('ECONNREFUSED'))).toBeUndefined();
    expect(proxyFailureOf('not an error')).toBeUndefined();
  });

  it('reads as a network error that names the proxy and says nothing reached Tripletex', () => {
    const { failure, detail } = proxyFailureOf(describeProxyError(route, 'tripletex.no:443', new Error('Bad response: 407')))!;
    const error = new TripletexNetworkError({ method: 'POST', path: '/token/session/:create', failure, detail, mayHaveBeenApplied: false });
    expect(error.message).toBe('POST /token/session/:create failed (via proxy http://proxy.example:3128 from HTTPS_PROXY: the proxy asks for a user name and password (407); put them in HTTPS_PROXY as http://user:password@host:port)');
  });
});
