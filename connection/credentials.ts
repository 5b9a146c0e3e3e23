import { createHmac, randomBytes } from 'node:crypto';
import type { EnvironmentName } from '../client/environments.js';
import { Secret } from '../contract/secret.js';

/** What every request needs to authenticate: the environment and the token pair. */
export interface Credentials {
  readonly environment: EnvironmentName;
  readonly consumerToken: Secret;
  readonly employeeToken: Secret;
  /** Stable within this process for the same environment and tokens; reveals nothing about them. */
  readonly fingerprint: string;
}

// Keyed per process: fingerprints can be used as map keys and printed in debug output
// without letting anyone test a guessed token against them.
const processKey = randomBytes(32);

export function fingerprintOf(...parts: (string | number | boolean)[]): string {
  const hmac = createHmac('sha256', processKey);
  for (const part of parts) hmac.update(String(part)).update('\u0000');
  return hmac.digest('hex').slice(0, 32);
}

export function makeCredentials(environment: EnvironmentName, consumerToken: string | Secret, employeeToken: string | Secret): Credentials {
  const consumer = consumerToken instanceof Secret ? consumerToken : new Secret(consumerToken);
  const employee = employeeToken instanceof Secret ? employeeToken : new Secret(employeeToken);
  return {
    environment,
    consumerToken: consumer,
    employeeToken: employee,
    fingerprint: fingerprintOf(environment, consumer.reveal(), employee.reveal()),
  };
}

/**
 * Which environment a consumer or employee token looks made for, by its form alone: Tripletex's
 * test-environment tokens carry a "test-" marker (observed), before the token or inside the
 * small JSON it encodes. Undefined when the token has neither Tripletex's form nor the marker.
 * A hint for advice, never proof: only a session Tripletex creates proves a token.
 */
export function environmentByForm(token: Secret): EnvironmentName | undefined {
  const text = token.reveal().trim();
  if (/^test-/i.test(text)) return 'test';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as { tokenId?: unknown; token?: unknown };
    if (typeof decoded !== 'object' || decoded === null || typeof decoded.token !== 'string') return undefined;
    return decoded.token.startsWith('test-') ? 'test' : 'production';
  } catch {
    return undefined;
  }
}
