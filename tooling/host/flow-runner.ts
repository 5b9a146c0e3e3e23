import type { ActionContext, ProgressInfo } from '../../contract/host.js';
import type { HostLogger } from './console-context.js';
import { coerceEnvValue, envValueProblem, findEnvReferences, type Path } from './env-references.js';
import { CancelledRunError, FlowFailedError, HostInputError, MissingEnvError, UsageError } from './errors.js';
import { allSteps, asReference, findReferences, STREAM_PORT, type ActionStep, type Flow, type Step } from './flow-file.js';
import { replaceMatches } from './json-walk.js';
import type { ActionDefinition, Pack } from './pack-loader.js';
import { serializeError, type Redactor } from './redact.js';
import { check, depthProblem, isPlainObject, propertySchema, type JsonObject } from './schema-tools.js';
import { registerSecretProperties, registerSecretValue } from './secret-values.js';
import { SinkSet } from './sinks.js';
import { RunCheckpoints, type CheckpointOptions, type UnfinishedFile } from './run-checkpoints.js';
import type { Workspace } from './workspace-file.js';

// Runs a flow: each step in order; an action step gets a ctx whose emit("forEachPage", page)
// writes the page's rows to a file and/or runs nested steps with the page in scope, and whose
// promise resolves only when that is done (back-pressure). A thrown error goes to the step's
// onError steps when it has them (the flow then ends as completed: the error was handled),
// else it ends the flow (or, inside forEachPage steps, fails the paging step around them).

export interface StepRecord {
  id: string;
  action: string;
  /** How many times the step ran (nested steps run once per page). */
  runs: number;
  /** Runs that ended on Continue. */
  continued: number;
  /** Runs that ended on On Error (handled or not). */
  failed: number;
  /** Pages the step handed to forEachPage, and the rows in them. */
  pages: number;
  rows: number;
  output?: unknown;
  error?: Record<string, unknown>;
  /** "continue", "onError" (handled by its onError steps) or "failed" (not handled), for the last run. */
  port?: 'continue' | 'onError' | 'failed';
  /** Where the last run could continue, when it stopped part-way (a pack error's resume; kept on Ctrl-C too). */
  resume?: unknown;
  /** The `resume` of the last page handled completely (rows written, nested steps done): where a new run continues after it. */
  pageResume?: unknown;
}

export interface FlowResult {
  flow: string;
  status: 'completed' | 'failed' | 'cancelled';
  /** Errors that onError steps handled. */
  handledErrors: number;
  /** For a failed flow: the step and the error. */
  failedStep?: string;
  error?: Record<string, unknown>;
  steps: StepRecord[];
  files: { path: string; lines: number }[];
  /** Files left holding an unfinished run, with their checkpoints (only when the run keeps checkpoints). */
  unfinished?: UnfinishedFile[];
  durationMs: number;
}

export interface ProgressFactory {
  (step: ActionStep, action: ActionDefinition): {
    update(info: ProgressInfo): void;
    /** A page reached the host: its row count, and the rows (for a display that shows some). */
    page(rows: number, values?: unknown[]): void;
    stop(final?: { requests?: number; waits?: number }): void;
  };
}

export interface RunFlowOptions {
  pack: Pack;
  workspace?: Workspace;
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  log: HostLogger;
  signal: AbortSignal;
  /** Relative writeRowsTo/appendTo paths resolve against this folder. */
  outDir: string;
  /** Files may only be written inside outDir (the designer; see SinkSet). */
  confineFiles?: boolean;
  stdout?: NodeJS.WritableStream;
  /** Progress display for top-level action steps. */
  progress?: ProgressFactory;
  /** Called as each top-level step starts and ends (for a narrative on the terminal). */
  onStep?: (event: { phase: 'start' | 'end'; step: Step; record?: StepRecord }) => void;
  /** Keep a checkpoint beside each file a top-level paging step writes, and start, continue or overwrite unfinished ones (run-checkpoints.ts). */
  checkpoints?: CheckpointOptions;
}

class Scope {
  readonly outputs = new Map<string, unknown>();
  constructor(
    readonly parent?: Scope,
    readonly page?: unknown,
    readonly error?: unknown,
  ) {}

  lookup(source: string): { found: boolean; value: unknown } {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      if (source === 'page' && scope.page !== undefined) return { found: true, value: scope.page };
      if (source === 'error' && scope.error !== undefined) return { found: true, value: scope.error };
      if (scope.outputs.has(source)) return { found: true, value: scope.outputs.get(source) };
    }
    return { found: false, value: undefined };
  }
}

/** A failure that already went through a step's bookkeeping, on its way to an enclosing handler. */
class StepFailure extends Error {
  constructor(
    readonly original: unknown,
    readonly stepId: string,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Once the run is aborted, whatever an action throws is the cancellation, not a failure to handle. */
function isCancellation(error: unknown, signal: AbortSignal): boolean {
  return error instanceof CancelledRunError || signal.aborted;
}

export async function runFlow(flow: Flow, options: RunFlowOptions): Promise<FlowResult> {
  const started = Date.now();
  const { pack, redactor, signal } = options;
  const sinks = new SinkSet(options.outDir, (options.stdout ?? process.stdout) as never, options.confineFiles === true);
  const records = new Map<string, StepRecord>();
  for (const step of allSteps(flow.steps)) {
    if (step.kind === 'action') records.set(step.id, { id: step.id, action: step.action, runs: 0, continued: 0, failed: 0, pages: 0, rows: 0 });
  }
  let handledErrors = 0;
  const warnedPort = new Set<string>();
  const warnedOutput = new Set<string>();

  // Before the first step: every environment variable and workspace object the flow names,
  // and every action module it calls. A flow should not fail half-way for a missing variable.
  preflight(flow, options);
  const modules = new Map<string, Awaited<ReturnType<ActionDefinition['load']>>>();
  for (const step of allSteps(flow.steps)) {
    if (step.kind === 'action' && !modules.has(step.action)) modules.set(step.action, await pack.actions.get(step.action)!.load());
  }
  // Before the first step too: a file holding an unfinished run is not started over unasked.
  const checkpoints = options.checkpoints ? await RunCheckpoints.prepare(flow, sinks, options.checkpoints) : undefined;

  /**
   * A copy of value with its references filled in. For a value written to a file (`written`:
   * an append step's), what comes from a page is data and goes as it is; what comes from a
   * workspace object, a variable, a step's output or error is scrubbed like a log line
   * (redactDeep), and registered secrets are taken out of the flow's own strings. So appending
   * {"$workspace": …} cannot put a token in a file, while page rows are never rewritten.
   */
  const resolveValue = (
    value: unknown,
    scope: Scope,
    where: string,
    how: { schemaFor?: (path: Path) => JsonObject | undefined; written?: boolean; onEnv?: (path: Path, variable: string, raw: string) => void } = {},
  ): unknown => {
    const { schemaFor, written = false } = how;
    const fieldOf = (path: Path) => path.join('.') || '(value)';
    return replaceMatches(value, (node, pathOf) => {
      const reference = asReference(node);
      if (!reference) return written && typeof node === 'string' ? { value: redactor.redact(node) } : undefined;
      const path = pathOf();
      let resolved: unknown;
      if (reference.kind === 'env') {
        const raw = options.env[reference.variable];
        if (raw === undefined) throw new MissingEnvError([{ variable: reference.variable, where: `${where}${path.length ? '.' + path.join('.') : ''}` }]);
        how.onEnv?.(path, reference.variable, raw);
        resolved = schemaFor && path.length === 1 ? coerceEnvValue(raw, schemaFor(path)) : raw;
      } else if (reference.kind === 'workspace') {
        if (!options.workspace) throw new UsageError(`${where}: {"$workspace": "${reference.name}"} needs a workspace file (--workspace)`);
        resolved = options.workspace.resolve(reference.name, { env: options.env, redactor }).properties;
      } else {
        const found = scope.lookup(reference.source);
        if (!found.found) throw new HostInputError(`${where}`, [{ field: fieldOf(path), message: `"${reference.source}" has no value at this point` }]);
        let current = found.value;
        for (const part of reference.path) {
          if (current === null || current === undefined || typeof current !== 'object') {
            current = undefined;
            break;
          }
          current = (current as Record<string, unknown>)[part];
        }
        if (current === undefined) {
          const text = [reference.source, ...reference.path].join('.');
          throw new HostInputError(`${where}`, [{ field: fieldOf(path), message: `{"$from": "${text}"} has no value (nothing at that path)` }]);
        }
        if (reference.source === 'page') return { value: current };
        resolved = current;
      }
      return { value: written ? redactor.redactDeep(resolved) : resolved };
    });
  };

  const runAction = async (step: ActionStep, scope: Scope, depth: number): Promise<unknown> => {
    const action = pack.actions.get(step.action)!;
    const record = records.get(step.id)!;
    const log = options.log.child(step.id);
    const fromEnv = new Map<string, { variable: string; raw: string }>();
    let inputs = resolveValue(step.inputs, scope, `${step.where}.inputs`, {
      schemaFor: (path) => (path.length === 1 ? propertySchema(action.inputSchema, String(path[0])) : undefined),
      onEnv: (path, variable, raw) => path.length === 1 && fromEnv.set(String(path[0]), { variable, raw }),
    }) as JsonObject;
    // A continued step starts where its checkpoint says, in place of the flow's own start.
    const resume = depth === 0 ? checkpoints?.resumeFor(step.id) : undefined;
    if (resume !== undefined) {
      const { startIndex: _startIndex, ...rest } = inputs;
      inputs = { ...rest, resume } as JsonObject;
    }
    // Inputs the schema marks secret are never printed, wherever their value came from.
    registerSecretProperties(redactor, inputs, action.secretInputs);
    // A value taken from a page or an output may nest deeper than a schema check (recursive) can take.
    const deep = depthProblem(inputs, { root: 'inputs', wrapping: 1 });
    // A value from a variable is reported as the variable's: that is what the user sets.
    const problems = (deep ? [deep] : check(action.validateInputs, inputs, { root: 'inputs' })).map((p) => {
      const input = /^inputs\.([^.[]+)/.exec(p.field)?.[1];
      const source = input === undefined ? undefined : fromEnv.get(input);
      return source ? envValueProblem(p, source.variable, source.raw, action.secretInputs.has(input!)) : p;
    });
    if (problems.length > 0) throw new HostInputError(`Step "${step.id}" (${action.title}): invalid input`, problems);

    const file = depth === 0 ? await checkpoints?.open(step) : undefined;
    const sink = file ?? (step.forEachPage?.writeRowsTo !== undefined ? sinks.open(step.forEachPage.writeRowsTo) : undefined);
    const nested = step.forEachPage?.steps;
    const progress = depth === 0 ? options.progress?.(step, action) : undefined;
    let finalCounts: { requests?: number; waits?: number } = {};
    const ctx: ActionContext = {
      signal,
      log,
      progress: (info) => progress?.update(info),
      emit: async (port, value) => {
        if (signal.aborted) throw new CancelledRunError();
        const definition = action.ports.find((p) => p.id === port);
        if (!definition || definition.kind !== 'stream') {
          log.debug(`ignored a value sent to port "${port}", which is not a stream port of ${action.id}`);
          return;
        }
        if (definition.validate && !definition.validate(value) && !warnedPort.has(step.id)) {
          warnedPort.add(step.id);
          log.warn(`a value sent to ${port} does not match the port's schema (reported once per step)`, { problems: check(definition.validate, value) });
        }
        if (port !== STREAM_PORT) return;
        const rows = isPlainObject(value) && Array.isArray(value.values) ? value.values : [value];
        record.pages += 1;
        record.rows += rows.length;
        progress?.page(rows.length, rows);
        const pageResume = isPlainObject(value) ? value.resume : undefined;
        // The rows made durable, then the page's resume point recorded beside them.
        if (file) await file.writePage(rows, pageResume);
        else if (sink) await sink.writeLines(rows);
        // A page without rows (e.g. the empty page that ends a list whose length is a multiple of
        // itemsPerPage) has nothing for nested steps to work on.
        if (nested && rows.length > 0) await runSteps(nested, new Scope(scope, value), depth + 1);
        if (pageResume !== undefined) record.pageResume = pageResume;
      },
    };
    try {
      const output = await modules.get(step.action)!.run(inputs, ctx);
      registerSecretProperties(redactor, output, action.secretOutputs);
      if (!action.validateOutput(output) && !warnedOutput.has(step.id)) {
        warnedOutput.add(step.id);
        log.warn(`the action's output does not match its output schema`, { problems: check(action.validateOutput, output) });
      }
      if (isPlainObject(output)) finalCounts = { requests: numberOr(output.requests), waits: numberOr(output.rateLimitWaits) };
      return output;
    } finally {
      progress?.stop(finalCounts);
    }
  };

  const runStep = async (step: Step, scope: Scope, depth: number): Promise<'continue' | 'handled'> => {
    if (signal.aborted) throw new CancelledRunError();
    switch (step.kind) {
      case 'log': {
        // The data is what a log step is for: it is part of the line at every level.
        const data = step.data === undefined ? undefined : resolveValue(step.data, scope, `${step.where}.data`);
        options.log[step.level](data === undefined ? step.log : `${step.log} ${redactor.stringify(data)}`);
        return 'continue';
      }
      case 'append': {
        const value = resolveValue(step.value, scope, `${step.where}.value`, { written: true });
        await sinks.open(step.appendTo).writeLines([value]);
        return 'continue';
      }
      case 'fail':
        throw new FlowFailedError(step.fail);
      case 'action': {
        const record = records.get(step.id)!;
        record.runs += 1;
        if (depth === 0) options.onStep?.({ phase: 'start', step });
        try {
          const output = await runAction(step, scope, depth);
          scope.outputs.set(step.id, output);
          record.continued += 1;
          record.port = 'continue';
          record.output = redactor.redactDeep(output);
          if (depth === 0) options.onStep?.({ phase: 'end', step, record });
          return 'continue';
        } catch (thrown) {
          // A failure of a nested step arrives wrapped, already counted where it happened.
          const original = thrown instanceof StepFailure ? thrown.original : thrown;
          const resume = thrown instanceof StepFailure ? undefined : (original as { resume?: unknown } | null)?.resume;
          if (resume !== undefined) record.resume = resume;
          // Bad usage and Ctrl-C are not the step's failure: no onError runs for them.
          if (original instanceof UsageError || isCancellation(original, signal)) throw original;
          const error = redactor.redactDeep(serializeError(original)) as Record<string, unknown>;
          record.failed += 1;
          record.error = error;
          if (!step.onError) {
            record.port = 'failed';
            if (depth === 0) options.onStep?.({ phase: 'end', step, record });
            throw thrown instanceof StepFailure ? thrown : new StepFailure(original, step.id);
          }
          record.port = 'onError';
          handledErrors += 1;
          if (depth === 0) options.onStep?.({ phase: 'end', step, record });
          await runSteps(step.onError, new Scope(scope, undefined, error), depth);
          return 'handled';
        }
      }
    }
  };

  const runSteps = async (steps: Step[], scope: Scope, depth: number): Promise<void> => {
    for (const step of steps) {
      // After an onError branch the rest of this list (the Continue path) does not run.
      if ((await runStep(step, scope, depth)) === 'handled') return;
    }
  };

  const finish = async (partial: Pick<FlowResult, 'status'> & Partial<FlowResult>): Promise<FlowResult> => {
    let status = partial.status;
    let error = partial.error;
    let unfinished: UnfinishedFile[] | undefined;
    try {
      unfinished = await checkpoints?.end(status, records);
    } catch (checkpointError) {
      // The rows are on the disk; what could not be recorded beside them fails the run.
      if (status === 'completed') {
        status = 'failed';
        error = redactor.redactDeep(serializeError(checkpointError)) as Record<string, unknown>;
      }
    }
    try {
      await sinks.closeAll();
    } catch (closeError) {
      if (status === 'completed') {
        status = 'failed';
        error = redactor.redactDeep(serializeError(closeError)) as Record<string, unknown>;
      }
    }
    return {
      flow: flow.name,
      handledErrors,
      ...partial,
      status,
      ...(error ? { error } : {}),
      steps: [...records.values()],
      files: sinks.all.filter((s) => s.path !== '-').map((s) => ({ path: s.path, lines: s.lines })),
      ...(unfinished ? { unfinished } : {}),
      durationMs: Date.now() - started,
    };
  };

  try {
    await runSteps(flow.steps, new Scope(), 0);
    return await finish({ status: 'completed' });
  } catch (thrown) {
    const original = thrown instanceof StepFailure ? thrown.original : thrown;
    if (original instanceof UsageError) {
      await checkpoints?.end('failed', records).catch(() => undefined);
      await sinks.closeAll().catch(() => undefined);
      throw original;
    }
    if (isCancellation(original, signal)) return finish({ status: 'cancelled', error: { name: 'CancelledRunError', kind: 'cancelled', message: 'Cancelled' } });
    return finish({
      status: 'failed',
      ...(thrown instanceof StepFailure ? { failedStep: thrown.stepId } : {}),
      error: redactor.redactDeep(serializeError(original)) as Record<string, unknown>,
    });
  }
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * Every $env variable and $workspace object the flow names must be there before it starts. The
 * values that will fill secret inputs are registered here, before any step runs, so that a step
 * that logs one (on purpose or not) before the action that takes it cannot print it; so are the
 * variables the workspace file names for secret properties, used in this flow or not.
 */
function preflight(flow: Flow, options: RunFlowOptions): void {
  for (const entry of options.workspace?.entries ?? []) {
    const secretProperties = options.pack.objectTypes.get(entry.type)?.secretProperties ?? new Set<string>();
    for (const { variable, path } of findEnvReferences(entry.properties)) {
      if (secretProperties.has(String(path[0]))) registerSecretValue(options.redactor, options.env[variable]);
    }
  }
  const missing: { variable: string; where: string }[] = [];
  const objects = new Map<string, string>();
  const visit = (value: unknown, where: string, expectedType?: (path: Path) => string | undefined, secret?: (path: Path) => boolean) => {
    for (const { reference, path } of findReferences(value)) {
      const at = `${where}${path.length ? '.' + path.join('.') : ''}`;
      if (reference.kind === 'env') {
        const raw = options.env[reference.variable];
        if (raw === undefined) missing.push({ variable: reference.variable, where: at });
        else if (secret?.(path)) registerSecretValue(options.redactor, raw);
      }
      if (reference.kind === 'workspace') {
        if (!options.workspace) throw new UsageError(`${flow.label}: ${at} refers to workspace object "${reference.name}", but no workspace file was given (--workspace <file>)`);
        const type = expectedType?.(path);
        options.workspace.resolve(reference.name, { env: options.env, redactor: options.redactor, ...(type ? { expectedType: type } : {}) });
        objects.set(reference.name, at);
      }
    }
  };
  for (const step of allSteps(flow.steps)) {
    if (step.kind === 'action') {
      const action = options.pack.actions.get(step.action)!;
      visit(
        step.inputs,
        `${step.where}.inputs`,
        (path) => (path.length === 1 ? action.workspaceObjectInputs.get(String(path[0])) : undefined),
        (path) => action.secretInputs.has(String(path[0])),
      );
    } else if (step.kind === 'log') visit(step.data, `${step.where}.data`);
    else if (step.kind === 'append') visit(step.value, `${step.where}.value`);
  }
  if (missing.length > 0) throw new MissingEnvError(missing.map((m) => ({ variable: m.variable, where: `${m.where} in ${flow.label}` })));
}
