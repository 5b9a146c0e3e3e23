import { inspect } from 'node:util';

// Every secret value the process has wrapped. scrub() replaces them wherever they might
// surface (messages, log data, URLs). Short strings are not registered: scrubbing "0" or
// "ab" would mangle ordinary text, and such values are not real Tripletex tokens anyway.
const MIN_SCRUB_LENGTH = 4;
/** Secrets this long or longer are also looked for inside base64 text (shorter ones would match by chance). */
const MIN_BASE64_SECRET_LENGTH = 12;
const known = new Set<string>();
/** The values as registered (known also holds the forms derived from them). */
const values = new Set<string>();
const listeners = new Set<(value: string) => void>();
let pattern: RegExp | undefined;
let longest = 0;

const REDACTED = '[redacted]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The base64 text a value becomes wherever it sits inside a larger base64-encoded text (a
 * gateway that echoes `Basic base64(user:token)`, a JSON document encoded whole): one form
 * for each of the three byte offsets it can start at, each cut to the characters that depend
 * on the value's bytes alone. Standard and URL-safe alphabets.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const form = encoded.slice(Math.ceil((4 * offset) / 3), Math.floor((8 * (offset + bytes.length)) / 6));
    out.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/**
 * The forms a secret takes in text it may surface in: as it is, URL-encoded (a legacy session
 * query), escaped inside JSON, and inside base64. scrub() matches them in any letter case, so a
 * server that echoes a token lower-cased is caught too. The host's redactor registers the same
 * forms.
 */
export function secretForms(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  if (value.length >= MIN_BASE64_SECRET_LENGTH) for (const form of base64Forms(value)) forms.add(form);
  return [...forms].filter((form) => form.length >= MIN_SCRUB_LENGTH);
}

function register(value: string): void {
  if (value.length < MIN_SCRUB_LENGTH || values.has(value)) return;
  values.add(value);
  for (const form of secretForms(value)) {
    known.add(form);
    longest = Math.max(longest, form.length);
  }
  pattern = undefined;
  for (const listener of listeners) {
    try {
      listener(value);
    } catch {
      // A host's listener that fails must not break the pack's own scrubbing.
    }
  }
}

/**
 * Calls `listener` with every value the pack keeps out of what it shows — the tokens it was
 * given and every session token it creates — at once for those it knows already, then as
 * each new one appears. A host registers them with its own redactor (docs/host-contract.md,
 * "Secrets the pack learns"), since a session token is made inside the pack and the host would
 * otherwise never know it. Returns a function that stops the calls.
 */
export function watchSecrets(listener: (value: string) => void): () => void {
  listeners.add(listener);
  for (const value of values) listener(value);
  return () => {
    listeners.delete(listener);
  };
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

function knownPattern(): RegExp | undefined {
  if (known.size === 0) return undefined;
  // Longest first, so a token that contains another is replaced whole; any letter case.
  pattern ??= new RegExp([...known].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi');
  return pattern;
}

/** Replaces every known secret, and anything shaped like an Authorization value, in text. */
export function scrub(text: string): string {
  const out = text.replace(AUTHORIZATION, (whole, scheme: string, space: string, credential: string) => (looksLikeCredential(credential) ? `${scheme}${space}${REDACTED}` : whole));
  const secrets = knownPattern();
  return secrets ? out.replace(secrets, REDACTED) : out;
}

/**
 * At most the first `max` characters of text, scrubbed, and how many characters were left
 * out. The cut never falls inside a secret (it moves past one that straddles it, which is then
 * replaced whole), so no piece of a token too short to be recognised is shown; and only a
 * bounded head of the text is scrubbed, however long the text is.
 */
export function scrubbedHead(text: string, max: number): { head: string; omitted: number } {
  if (text.length <= max) return { head: scrub(text), omitted: 0 };
  const window = text.slice(0, max + longest + 256);
  let cut = max;
  for (const found of [AUTHORIZATION, knownPattern()]) {
    if (!found) continue;
    for (const match of window.matchAll(found)) {
      const end = match.index + match[0].length;
      if (match.index < cut && end > cut) cut = end;
    }
  }
  return { head: scrub(text.slice(0, cut)), omitted: text.length - cut };
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
