// The host's own list of secret values: every value a `{ "$env": … }` reference resolved to,
// and every property or input a schema marks secret. Everything the CLI prints or writes
// passes through redact(), so a secret that somehow reached a message, a log line, a summary
// or an output file comes out as [redacted]. The pack scrubs its own messages too; this is the
// host's independent second line.

export const REDACTED = '[redacted]';
/** Shorter strings are not registered: replacing "0" or "ab" everywhere would mangle text. */
const MIN_LENGTH = 4;
const SECRET_KEY = /token|authorization|password|secret|apikey|api_key/i;

export class Redactor {
  readonly #known = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers a secret, with the forms it takes when URL-encoded or written inside JSON. */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_LENGTH) return;
    const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
    for (const form of forms) {
      if (form.length >= MIN_LENGTH && !this.#known.has(form)) {
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
      this.#pattern = new RegExp(escaped.join('|'), 'g');
    }
    return text.replace(this.#pattern, REDACTED);
  }

  /**
   * A copy of plain data with secrets replaced: registered values anywhere in strings, and the
   * values of keys that name a secret (consumerToken, password, …). Errors become their toJSON().
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
