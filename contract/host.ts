// The host contract, version 1, as TypeScript types. docs/host-contract.md is the prose
// version; keep both in step. These are types only, so a host may import them without
// pulling in any of the pack's runtime code.

export type LogData = Record<string, unknown>;

export interface Logger {
  debug(message: string, data?: LogData): void;
  info(message: string, data?: LogData): void;
  warn(message: string, data?: LogData): void;
  error(message: string, data?: LogData): void;
}

/** What a page-producing action reports while it runs (all optional, cumulative counts). */
export interface ProgressInfo {
  pages?: number;
  items?: number;
  requests?: number;
  retries?: number;
  /** Present while the action waits for Tripletex's rate-limit window to reset. */
  rateLimitWaitMs?: number;
  rateLimitWaits?: number;
  message?: string;
}

export interface ActionContext {
  signal: AbortSignal;
  log: Logger;
  /** Hands a value to an output port; the returned promise is the host's back-pressure. */
  emit(port: string, value: unknown): Promise<void>;
  progress?(info: ProgressInfo): void;
}

/** A workspace object's test never throws for a failed test; it answers ok=false. */
export interface TestResult {
  ok: boolean;
  message: string;
  [extra: string]: unknown;
}

/**
 * Optional on every module: calls `listener` with each secret value the pack keeps out of what
 * it shows (the tokens it was given, the session tokens it creates), those known already at
 * once; returns a function that stops the calls. A host registers them with its own redactor.
 */
export type WatchSecrets = (listener: (value: string) => void) => () => void;

/** One choice a load-options method offers for an input (`x-load-options` in a schema). */
export interface OptionChoice {
  value: string | number;
  label: string;
  description?: string;
  /** For an object input: a key the value must have (a host adds it when the choices change). */
  required?: boolean;
}

export interface LoadedOptions {
  options: OptionChoice[];
  /** A sentence for a person: where the choices come from, or why there are none. */
  message?: string;
}

/**
 * Fills an input's choices from what the pack knows or asks Tripletex, like a "load options"
 * method: `values` are the panel's values (a workspace object's properties, or a step's inputs
 * with references resolved as a run resolves them). Never throws for a failed lookup.
 */
export type LoadOptionsMethod = (values: unknown, ctx: ActionContext) => Promise<LoadedOptions>;

export interface WorkspaceObjectModule {
  test(properties: unknown, ctx: ActionContext): Promise<TestResult>;
  watchSecrets?: WatchSecrets;
  loadOptions?: Record<string, LoadOptionsMethod>;
}

export interface ActionModule {
  run(inputs: unknown, ctx: ActionContext): Promise<unknown>;
  watchSecrets?: WatchSecrets;
  /** Present when the manifest marks the action `testable`: the step's own Test connection. */
  test?(inputs: unknown, ctx: ActionContext): Promise<TestResult>;
  loadOptions?: Record<string, LoadOptionsMethod>;
}
