// proxy-from-env 2 ships no type declarations (its DefinitelyTyped package describes version 1).
declare module 'proxy-from-env' {
  /** The proxy URL for `url` by the *_PROXY and NO_PROXY variables, or '' for a direct connection. */
  export function getProxyForUrl(url: string | URL): string;
}
