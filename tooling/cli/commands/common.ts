import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConsoleLogger, LOG_LEVELS, Terminal, type HostLogger, type LogLevel } from '../../host/console-context.js';
import { shortened } from '../../host/display.js';
import { isEnvName } from '../../host/env-names.js';
import { UsageError } from '../../host/errors.js';
import { loadPack, type Pack } from '../../host/pack-loader.js';
import { DEFAULT_MANIFEST } from '../../host/paths.js';
import { secrets, serializeError, type Redactor } from '../../host/redact.js';

// What every command shares: --manifest, --log-level and --no-progress, the terminal and
// logger, Ctrl-C handling, and turning an error into the right message and exit code.

export interface CommonOptions {
  manifest?: string;
  logLevel: LogLevel;
  progress: boolean;
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--manifest <file>', 'the pack to load (default: this package\'s manifest.json)'))
    .addOption(new Option('--log-level <level>', 'log lines on stderr from this level up').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--no-progress', 'no progress bar, even when stderr is a terminal'));
}

/**
 * An Examples section at the end of a command's --help, as gh and npm print one: each example
 * a comment line and the command, runnable as shown once the simulator's variables are exported.
 */
export function withExamples(command: Command, examples: [comment: string, line: string][]): Command {
  const text = examples.map(([comment, line]) => `  # ${comment}\n  $ ${line}`).join('\n');
  return command.addHelpText('after', `\nExamples:\n${text}\n`);
}

/** A whole number in [min, max], for commander; the message names the rule (commander names the flag). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`Expected a whole number${min > 0 ? ` ≥ ${min}` : ''}.`);
    const n = Number(value.trim());
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * An environment variable's name given to a flag. Checked here rather than by commander, whose
 * message would repeat the value: someone who pastes a token instead of a name must not see it
 * echoed into their terminal and logs. The host's isEnvName decides, as it does for flows and
 * workspaces.
 */
export function envName(flag: string, value: string, what: { holds: string; variable: string }): string {
  if (!isEnvName(value)) {
    secrets.add(value);
    throw new UsageError(
      `${flag} takes the NAME of an environment variable (letters, digits, _), and what was given looks like a value (not shown here). ` +
        `Put the ${what.holds} in a variable without typing it on the command line — read -rs ${what.variable} && export ${what.variable} — ` +
        `and leave out ${flag}: ${what.variable} is where it looks by default.`,
    );
  }
  return value;
}

export interface Runtime {
  terminal: Terminal;
  log: HostLogger;
  redactor: Redactor;
  signal: AbortSignal;
  /** Stops listening for Ctrl-C. */
  dispose(): void;
}

export function createRuntime(options: Pick<CommonOptions, 'logLevel' | 'progress'>, stream: NodeJS.WriteStream = process.stderr): Runtime {
  const terminal = new Terminal(stream, options.progress !== false && Boolean(stream.isTTY));
  const log = new ConsoleLogger(terminal, secrets, options.logLevel);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      terminal.write('Cancelling… (press Ctrl-C again to quit at once)');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return { terminal, log, redactor: secrets, signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

export async function loadPackFor(options: Pick<CommonOptions, 'manifest'>): Promise<Pack> {
  // The pack's own secrets (session tokens it creates) join the process-wide redactor.
  return loadPack(options.manifest ?? DEFAULT_MANIFEST, { onSecret: (value) => secrets.add(value) });
}

/** Exit code for an error: 2 for usage, 130 for cancelled, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown } | undefined)?.exitCode;
  return typeof code === 'number' ? code : 1;
}

/** Characters of an error message printed at most: the pack cuts what servers say, and this holds for any pack. */
export const MAX_PRINTED_MESSAGE = 20_000;

/** Prints an error on stderr (as JSON with --json), redacted and cut to MAX_PRINTED_MESSAGE; returns the exit code. */
export function reportError(error: unknown, options: { json?: boolean; redactor?: Redactor; stream?: NodeJS.WritableStream } = {}): number {
  const redactor = options.redactor ?? secrets;
  const stream = options.stream ?? process.stderr;
  if (options.json) {
    const serialized = redactor.redactDeep(serializeError(error)) as Record<string, unknown>;
    if (typeof serialized.message === 'string') serialized.message = shortened(serialized.message, MAX_PRINTED_MESSAGE);
    stream.write(JSON.stringify({ ok: false, error: serialized }) + '\n');
  } else stream.write(shortened(redactor.redact(`flow-tripletex: ${error instanceof Error ? error.message : String(error)}`), MAX_PRINTED_MESSAGE) + '\n');
  return exitCodeOf(error);
}

/**
 * Called when one of the host's commands has finished. Everything it opened is closed by
 * then; should a module leave a timer or socket behind, it must not keep the terminal waiting.
 * The timer is unref'd: it only fires if something else keeps the process alive.
 */
export function exitWhenIdle(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(), 3000).unref();
}

export function warnAll(log: HostLogger, warnings: string[]): void {
  for (const warning of warnings) log.warn(warning);
}

/**
 * Resolves at the first SIGINT or SIGTERM. Call it before printing "Stop with Ctrl+C": whoever
 * reads that line (a person, a script, a test) may signal at once, and must get a clean stop.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
