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

export interface WorkspaceObjectModule {
  test(properties: unknown, ctx: ActionContext): Promise<TestResult>;
  watchSecrets?: WatchSecrets;
}

export interface ActionModule {
  run(inputs: unknown, ctx: ActionContext): Promise<unknown>;
  watchSecrets?: WatchSecrets;
}
