import { inspect } from 'node:util';

// Every secret value the process has wrapped. scrub() replaces them wherever they might
// surface (messages, log data, URLs). Short strings are not registered: scrubbing "0" or
// "ab" would mangle ordinary text, and such values are not real Tripletex tokens anyway.
const MIN_SCRUB_LENGTH = 4;
const known = new Set<string>();
let pattern: RegExp | undefined;

const REDACTED = '[redacted]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function register(value: string): void {
  if (value.length < MIN_SCRUB_LENGTH || known.has(value)) return;
  known.add(value);
  // The forms a token takes on the wire: raw, URL-encoded (legacy session query).
  const encoded = encodeURIComponent(value);
  if (encoded !== value) known.add(encoded);
  pattern = undefined;
}

/**
 * A string that must never be shown. It survives being passed around the pack, but
 * JSON.stringify, util.inspect, template literals and String() all print "[redacted]".
 * Only reveal() gives the value, and only the HTTP layer calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    register(value);
  }

  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  equals(other: Secret): boolean {
    return this.#value === other.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return 'Secret(' + REDACTED + ')';
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** Marks a value as secret without wrapping it (for values that must stay plain strings). */
export function registerSecretValue(value: string): void {
  register(value);
}

// An Authorization value in any case ("basic …", "BEARER …"), as a gateway may echo it. The
// credential must look like one (8+ characters with a digit, +, / or =, or two capitals and a
// small letter), so that ordinary words after "basic" survive: "Basic validation failed" and
// "Basic Authorization required" are not credentials.
const AUTHORIZATION = /\b([Bb][Aa][Ss][Ii][Cc]|[Bb][Ee][Aa][Rr][Ee][Rr])(\s+)([A-Za-z0-9+/=._-]{8,})/g;

function looksLikeCredential(text: string): boolean {
  return /[0-9+/=]/.test(text) || (/[A-Z][^A-Z]*[A-Z]/.test(text) && /[a-z]/.test(text));
}

/** Replaces every known secret, and anything shaped like an Authorization value, in text. */
export function scrub(text: string): string {
  let out = text.replace(AUTHORIZATION, (whole, scheme: string, space: string, credential: string) => (looksLikeCredential(credential) ? `${scheme}${space}${REDACTED}` : whole));
  if (known.size === 0) return out;
  if (!pattern) {
    // Longest first, so a token that contains another is replaced whole.
    const alternatives = [...known].sort((a, b) => b.length - a.length).map(escapeRegExp);
    pattern = new RegExp(alternatives.join('|'), 'g');
  }
  out = out.replace(pattern, REDACTED);
  return out;
}

/** scrub() applied through plain data (log payloads, error details); Secrets print redacted. */
export function scrubDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Secret) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
  if (value instanceof Error) return scrub(value.message);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = /token|authorization|password|secret/i.test(key) ? REDACTED : scrubDeep(item, depth + 1);
    }
    return out;
  }
  return value;
}
