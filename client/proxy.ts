import type { Agents } from 'got';

// Corporate networks: which agent carries a request to Tripletex, by HTTPS_PROXY, HTTP_PROXY
// and NO_PROXY. Filled in by the proxy work of issue 9; until then every request goes direct.

/** The agents for a request to `url`, or undefined to connect directly. */
export function agentsFor(_url: URL): Agents | undefined {
  return undefined;
}
