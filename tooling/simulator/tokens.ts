import { Rng } from './prng.js';
import type { EmployeeKind, EnvironmentDemoTokens, EnvironmentName } from './types.js';

// Each environment has its own token registry, so a production token presented to the test
// instance is as unknown there as it is on Tripletex's real test host. Tokens are shaped like
// Tripletex's: standard base64 of a small JSON ({"tokenId":…,"token":"<uuid>"}), which means
// they can contain "+", "/" and "=" and must be URL-encoded in the legacy session query.

export interface ConsumerEntry {
  id: number;
  token: string;
}

export interface EmployeeEntry {
  id: number;
  token: string;
  consumerToken: string;
  kind: EmployeeKind;
  /** The company the token belongs to (for an accountant: the accounting office). */
  companyId: number;
  clientCompanyIds: number[];
  /** Which employee row of companyId the token user is. */
  employeeIndex: number;
  /**
   * The employee row whoAmI reports as actualEmployeeId, when it is not the same one: recorded
   * answers show the two differ for an ordinary login, without any proxy.
   */
  actualEmployeeIndex?: number;
}

export function makeToken(rng: Rng, environment: EnvironmentName, tokenId: number): string {
  const encoded = Buffer.from(JSON.stringify({ tokenId, token: rng.uuid() }), 'utf8').toString('base64');
  return environment === 'test' ? `test-${encoded}` : encoded;
}

export class TokenRegistry {
  readonly consumers = new Map<string, ConsumerEntry>();
  readonly employees = new Map<string, EmployeeEntry>();
  private nextConsumerId: number;
  private nextEmployeeId: number;

  constructor(seed: number, environment: EnvironmentName) {
    const rng = Rng.of(seed, environment, 'token-ids');
    this.nextConsumerId = rng.int(1000, 9000);
    this.nextEmployeeId = rng.int(10_000, 90_000);
  }

  registerConsumer(token: string): ConsumerEntry {
    const existing = this.consumers.get(token);
    if (existing) return existing;
    const entry = { id: this.nextConsumerId++, token };
    this.consumers.set(token, entry);
    return entry;
  }

  registerEmployee(entry: Omit<EmployeeEntry, 'id'>): EmployeeEntry {
    const id = this.employees.get(entry.token)?.id ?? this.nextEmployeeId++;
    const full = { ...entry, id };
    this.employees.set(entry.token, full);
    return full;
  }

  peekNextIds(): { consumer: number; employee: number } {
    return { consumer: this.nextConsumerId, employee: this.nextEmployeeId };
  }
}

/** The demo tokens of one environment: deterministic from the seed, opaque to look at. */
export function makeDemoTokens(seed: number, environment: EnvironmentName, registry: TokenRegistry): EnvironmentDemoTokens {
  const rng = Rng.of(seed, environment, 'demo-tokens');
  const ids = registry.peekNextIds();
  return {
    consumerToken: makeToken(rng, environment, ids.consumer),
    employeeTokens: {
      employee: makeToken(rng, environment, ids.employee),
      restricted: makeToken(rng, environment, ids.employee + 1),
      accountant: makeToken(rng, environment, ids.employee + 2),
      noApiAccess: makeToken(rng, environment, ids.employee + 3),
    },
  };
}
