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

function isOverridden(environment: EnvironmentName, env: NodeJS.ProcessEnv): boolean {
  return (env[BASE_URL_VARIABLES[environment]]?.trim() ?? '') !== '';
}

/**
 * Why tokens refused in `environment` must not be tried in the other one, or undefined when
 * they may. Both at Tripletex's own hosts, or both pointed elsewhere together (the simulator),
 * they may. With only one pointed elsewhere (a local server, a proxy), the other is Tripletex's
 * real host: tokens meant for the one place are not sent to the other.
 */
export function otherEnvironmentOffLimits(environment: EnvironmentName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const other = otherEnvironment(environment);
  const moved = [environment, other].filter((e) => isOverridden(e, env));
  if (moved.length !== 1) return undefined;
  const set = moved[0]!;
  const unset = otherEnvironment(set);
  return `${BASE_URL_VARIABLES[set]} points ${theEnvironment(set)} at another server while ${BASE_URL_VARIABLES[unset]} is not set, so the tokens were not sent to ${theEnvironment(other)}`;
}
