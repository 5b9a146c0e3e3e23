// Where each Tripletex environment lives. The environment variables exist so that the
// simulator and the tests can point the whole pack at loopback without touching code.

export type EnvironmentName = 'production' | 'test';

export const DEFAULT_BASE_URLS: Record<EnvironmentName, string> = {
  production: 'https://tripletex.no/v2',
  test: 'https://api-test.tripletex.tech/v2',
};

export const BASE_URL_VARIABLES: Record<EnvironmentName, string> = {
  production: 'TRIPLETEX_PRODUCTION_URL',
  test: 'TRIPLETEX_TEST_URL',
};

/** Read at call time, not import time, so a host (or a test) can repoint the pack while running. */
export function baseUrlFor(environment: EnvironmentName, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[BASE_URL_VARIABLES[environment]]?.trim();
  const url = override && override.length > 0 ? override : DEFAULT_BASE_URLS[environment];
  return url.replace(/\/+$/, '');
}

/** The label inside a sentence: "Tripletex production" takes no article, the test environment does. */
export function theEnvironment(environment: EnvironmentName): string {
  return environment === 'test' ? 'the Tripletex test environment' : 'Tripletex production';
}

export function otherEnvironment(environment: EnvironmentName): EnvironmentName {
  return environment === 'test' ? 'production' : 'test';
}
