// The host's own list of secret values, and the scrubbing of what it prints. Which values are
// registered is decided in secret-values.ts: those of properties and inputs the pack's schemas
// mark secret, nothing else. Log lines, messages, summaries and step outputs pass through
// redact()/redactDeep(), so a secret that somehow reached one comes out as [redacted]; the pack
// scrubs its own messages too, and this is the host's independent second line. Rows are data
// and never pass through here (sinks.ts).

import { secretForms } from '../../contract/secret.js';

export const REDACTED = '[redacted]';
/** See isSecretLike. */
const MIN_SECRET_LENGTH = 8;
const PLAIN_NUMBER = /^\s*[+-]?\d+(?:[.,]\d+)?\s*$/;
const SECRET_KEY = /token|authorization|password|secret|apikey|api_key/i;

/**
 * Whether a value can be registered as a secret. A registered value is replaced wherever it
 * occurs in printed text, so a short or common one would mangle everything around it — a
 * company id inside customer numbers and counts, "true" inside every JSON flag — while hiding
 * nothing a guess would not find. So only strings of at least 8 characters (spaces around them
 * not counted) that are not a plain number qualify, even when a schema marks the property
 * secret: numbers, booleans, `true`/`false`, "1234567", "12345678" and "short" never do.
 * Tripletex tokens are far longer. A short secret is still hidden wherever its key names it
 * (consumerToken, password, …), by redactDeep's key rule.
 */
export function isSecretLike(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length >= MIN_SECRET_LENGTH && !PLAIN_NUMBER.test(value);
}

export class Redactor {
  readonly #known = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * Registers a secret (when isSecretLike), with the forms it takes when URL-encoded, written
   * inside JSON or inside base64 text (the pack's own secretForms); it is then matched in any
   * letter case.
   */
  add(value: unknown): void {
    if (!isSecretLike(value)) return;
    for (const form of secretForms(value)) {
      if (!this.#known.has(form)) {
        this.#known.add(form);
        this.#pattern = undefined;
      }
    }
  }

  get size(): number {
    return this.#known.size;
  }

  redact(text: string): string {
    if (this.#known.size === 0) return text;
    if (!this.#pattern) {
      const escaped = [...this.#known].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.#pattern = new RegExp(escaped.join('|'), 'gi');
    }
    return text.replace(this.#pattern, REDACTED);
  }

  /**
   * A copy of plain data with secrets replaced: registered values anywhere in strings, and the
   * values of keys that name a secret (consumerToken, password, …). Errors become their toJSON().
   * For what the host prints (logs, errors, summaries, outputs), never for rows. Deeper than 12 levels
   * it gives "[…]": what is printed stays short, and no nesting can exhaust the call stack.
   */
  redactDeep(value: unknown, depth = 0): unknown {
    if (depth > 12) return '[…]';
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item, depth + 1));
    if (value instanceof Error) return this.redactDeep(serializeError(value), depth + 1);
    const source = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    if (source === null || typeof source !== 'object') return this.redactDeep(source, depth + 1);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      out[key] = SECRET_KEY.test(key) && item !== null && item !== undefined && typeof item !== 'boolean' ? REDACTED : this.redactDeep(item, depth + 1);
    }
    return out;
  }

  /** JSON.stringify through redactDeep. */
  stringify(value: unknown, indent?: number): string {
    return JSON.stringify(this.redactDeep(value), null, indent);
  }
}

/** What the host keeps of an error: the pack's toJSON() when it has one, else name and message. */
export function serializeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const json = typeof (error as { toJSON?: unknown }).toJSON === 'function' ? (error as unknown as { toJSON(): unknown }).toJSON() : undefined;
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const out = { ...(json as Record<string, unknown>) };
      out.name ??= error.name;
      out.message ??= error.message;
      return out;
    }
    return { name: error.name, message: error.message };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : 'A non-Error value was thrown' };
}

/** The process-wide redactor the CLI uses. */
export const secrets = new Redactor();
