import { createHash } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { displayPath } from './display.js';
import { findEnvReferences } from './env-references.js';
import type { Pack } from './pack-loader.js';
import type { Redactor } from './redact.js';
import { UsageError } from './errors.js';
import { holdFileLock } from './file-lock.js';
import { CHECKPOINT_SUFFIX, checkpointPath, checkpointSummary, identityDifferences, isOtherLiveProcess, readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint, type Identity } from './checkpoint.js';
import { CheckpointedFile, markUnfinished, type ResumeWords } from './checkpointed-file.js';
import { allSteps, type ActionStep, type Flow } from './flow-file.js';
import { isPlainObject } from './schema-tools.js';
import { resumePlace, whereStopped } from './resume-words.js';
import type { SinkSet } from './sinks.js';

// What the flow runner does with checkpoints (checkpoint.ts) over a whole run:
//
// - Which files get one: the NDJSON file of each top-level paging step (`writeRowsTo`, not
//   stdout). It is continuable when that step writes it alone and runs no nested steps per
//   page; otherwise it gets a marker checkpoint that only says "unfinished" (nested steps'
//   requests and files cannot be continued from a page's resume point).
// - Before the first step: a run that would start such a file over while it holds an
//   unfinished run is refused (the file is left as it is), unless asked to continue it or to
//   overwrite it. Continuing is refused when the file was written by another command or flow,
//   saying what differs, or when steps before it would send a write again.
// - While a step runs: each page's rows, then its resume point (checkpointed-file.ts).
// - At the end: a finished file loses its checkpoint; a run that failed, was cancelled, or
//   stopped early with rows remaining leaves it, and reports it (`FlowResult.unfinished`).

export type CheckpointMode = 'fresh' | 'resume' | 'overwrite';

export interface CheckpointOptions {
  mode: CheckpointMode;
  /** What wrote a step's file; a run with another identity may not continue it. */
  identity(step: ActionStep): Identity;
  words: ResumeWords;
}

/** A file left unfinished, for the host's message (and the designer's Continue). */
export interface UnfinishedFile {
  step: string;
  file: string;
  /** The file as a person names it: relative to the run's folder when inside it. */
  name: string;
  checkpoint: string;
  lines: number;
  pages: number;
  state: Checkpoint['state'];
  resume: unknown;
  /** True, or why the run cannot be continued. */
  resumable: true | string;
  /** "stopped in the window 2025-04-03 – 2025-04-25 after 5,000 rows" */
  where: string;
}

export class UnfinishedFilesError extends UsageError {
  readonly files: UnfinishedFile[];
  constructor(files: UnfinishedFile[], words: ResumeWords) {
    const describe = (f: UnfinishedFile) => {
      const place = resumePlace(f.resume);
      return `${f.name} holds an unfinished run (${checkpointSummary(f)}${place ? `, ${place}` : ''}; checkpoint ${f.name}${CHECKPOINT_SUFFIX})`;
    };
    const continuable = files.every((f) => f.resumable === true);
    const advice = `${continuable ? `${capital(words.resume)}, or ${words.overwrite}` : capital(words.overwrite)}.`;
    super(
      files.length === 1
        ? `${describe(files[0]!)}, and starting it over would lose it. ${advice} The file was left as it is.`
        : `Files this run writes hold unfinished runs, and starting them over would lose them:\n${files.map((f) => `  - ${describe(f)}`).join('\n')}\n${advice} The files were left as they are.`,
    );
    this.name = 'UnfinishedFilesError';
    this.files = files;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), unfinished: this.files };
  }
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function unfinishedOf(checkpoint: Checkpoint, folder: string): UnfinishedFile {
  return {
    step: checkpoint.step,
    file: checkpoint.file,
    name: displayPath(checkpoint.file, folder),
    checkpoint: checkpointPath(checkpoint.file),
    lines: checkpoint.lines,
    pages: checkpoint.pages,
    state: checkpoint.state,
    resume: checkpoint.resume,
    resumable: checkpoint.resumable,
    where: whereStopped(checkpoint.resume, checkpoint.lines),
  };
}

interface Planned {
  step: ActionStep;
  path: string;
  /** True, or why its run cannot be continued (then it only gets a marker). */
  resumable: true | string;
  existing?: Checkpoint;
}

const WRITES = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** Files a run in this process is writing right now (the designer runs flows side by side). */
const inUse = new Set<string>();

export class RunCheckpoints {
  readonly #planned = new Map<string, Planned>();
  readonly #files = new Map<string, CheckpointedFile>();
  readonly #markers = new Map<string, Checkpoint>();
  /** Paths this run marked in use (released at its end). */
  readonly #held = new Set<string>();
  /** The locks this run holds across processes on the files it writes (released at its end). */
  readonly #locks: (() => Promise<void>)[] = [];

  private constructor(
    private readonly options: CheckpointOptions,
    private readonly sinks: SinkSet,
  ) {}

  /** Reads the checkpoints of the files the flow writes and applies the mode; throws a UsageError when the run may not start. */
  static async prepare(flow: Flow, sinks: SinkSet, options: CheckpointOptions): Promise<RunCheckpoints> {
    const run = new RunCheckpoints(options, sinks);
    const writers = new Map<string, number>();
    const count = (target: string | undefined) => {
      if (target === undefined || target === '-') return;
      const path = sinks.resolve(target);
      writers.set(path, (writers.get(path) ?? 0) + 1);
    };
    for (const step of allSteps(flow.steps)) {
      if (step.kind === 'action') count(step.forEachPage?.writeRowsTo);
      if (step.kind === 'append') count(step.appendTo);
    }
    for (const step of flow.steps) {
      if (step.kind !== 'action') continue;
      const target = step.forEachPage?.writeRowsTo;
      if (target === undefined || target === '-') continue;
      const path = sinks.resolve(target);
      const resumable: true | string =
        (writers.get(path) ?? 0) > 1
          ? 'other steps of the flow write to the same file, and their lines cannot be told from its rows'
          : (step.forEachPage?.steps?.length ?? 0) > 0
            ? `step "${step.id}" runs nested steps for each page, whose requests and files cannot be continued`
            : true;
      run.#planned.set(step.id, { step, path, resumable });
    }

    try {
      return await run.#prepare(flow, options);
    } catch (error) {
      await run.#release();
      throw error;
    }
  }

  async #prepare(flow: Flow, options: CheckpointOptions): Promise<RunCheckpoints> {
    const run = this;
    const sinks = this.sinks;
    const existing: Planned[] = [];
    for (const planned of run.#planned.values()) {
      if (inUse.has(planned.path)) throw new UsageError(`${displayPath(planned.path, sinks.baseDir)} is being written by another run right now; wait for it to end, or stop it first.`);
      // Marked in the same turn as the check: a second run in this process is refused at once,
      // not left waiting on a lock its own process holds.
      inUse.add(planned.path);
      run.#held.add(planned.path);
      // Held from before the checkpoint is read until the run ends: two runs started together on one file cannot both go on.
      sinks.makeFolderFor(planned.path, planned.step.forEachPage!.writeRowsTo!);
      run.#locks.push(await holdFileLock(planned.path, () => `${displayPath(planned.path, sinks.baseDir)} is being written by another run right now (its lock ${displayPath(planned.path, sinks.baseDir)}.lock is held); wait for it to end, or stop it first.`));
      const checkpoint = await readCheckpoint(planned.path, options.words.overwrite);
      if (!checkpoint) continue;
      if (checkpoint.state === 'running' && isOtherLiveProcess(checkpoint.pid)) {
        throw new UsageError(`${displayPath(planned.path, sinks.baseDir)} is being written by another run right now (process ${checkpoint.pid}, checkpoint ${displayPath(checkpointPath(planned.path), sinks.baseDir)}); wait for it to end, or stop it first.`);
      }
      planned.existing = checkpoint;
      existing.push(planned);
    }

    if (options.mode === 'overwrite') {
      // Replaced when the step starts its file over, not before: a run that fails before it
      // gets there leaves the unfinished file marked as it was.
      for (const planned of existing) delete planned.existing;
      return run;
    }
    if (options.mode === 'fresh') {
      // A run that wrote no row left nothing to lose: it is started over.
      const blocking = existing.filter((p) => p.existing!.lines > 0 || p.existing!.bytes > 0);
      if (blocking.length > 0) throw new UnfinishedFilesError(blocking.map((p) => unfinishedOf(p.existing!, sinks.baseDir)), options.words);
      for (const planned of existing) delete planned.existing;
      return run;
    }

    // Continuing.
    if (existing.length === 0) {
      const files = [...run.#planned.values()].map((p) => displayPath(p.path, sinks.baseDir));
      throw new UsageError(
        files.length === 0
          ? 'There is nothing to continue: this run writes rows to no file (only a file keeps a checkpoint).'
          : files.length === 1
            ? `There is nothing to continue: ${files[0]} has no checkpoint, so it holds no unfinished run.`
            : `There is nothing to continue: none of ${files.join(', ')} has a checkpoint, so none holds an unfinished run.`,
      );
    }
    const problems: string[] = [];
    for (const planned of existing) {
      const checkpoint = planned.existing!;
      const file = displayPath(planned.path, sinks.baseDir);
      if (checkpoint.step !== planned.step.id) problems.push(`${file} was written by step "${checkpoint.step}", which this flow does not write it with`);
      else if (planned.resumable !== true) problems.push(`${file} cannot be continued: ${planned.resumable}`);
      else if (checkpoint.resumable !== true) problems.push(`${file} cannot be continued: ${checkpoint.resumable}`);
      else {
        const differences = identityDifferences(checkpoint.identity, options.identity(planned.step));
        if (differences.length > 0) problems.push(`${file} was written by a different ${differences.some((d) => d.startsWith('flow')) ? 'flow' : 'command'}:\n${differences.map((d) => `    ${d}`).join('\n')}`);
      }
    }
    // Steps before the first one continued run again: one that writes to Tripletex must not.
    const first = flow.steps.findIndex((s) => s.kind === 'action' && existing.some((p) => p.step.id === s.id));
    for (const step of flow.steps.slice(0, Math.max(0, first))) {
      const method = step.kind === 'action' ? step.inputs.method : undefined;
      if (typeof method === 'string' && WRITES.has(method.toUpperCase())) {
        problems.push(`step "${step.id}" comes before the step continued and would run again, sending its ${method.toUpperCase()} a second time`);
      }
    }
    if (problems.length > 0) {
      const flowChanged = problems.some((p) => p.includes('different flow'));
      throw new UsageError(
        `Cannot continue:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${capital(options.words.overwrite)} instead${flowChanged ? ', or continue with the flow as it was' : ', or continue with the command that wrote it (only the page size, the page limit and the waits may change)'}.`,
      );
    }
    return run;
  }

  /** The resume point a continued step starts from (its inputs get it as `resume`), or undefined to start as the flow says. */
  resumeFor(stepId: string): unknown {
    const resume = this.#planned.get(stepId)?.existing?.resume;
    return resume === null ? undefined : resume;
  }

  /** The file a top-level step writes its rows to, checkpointed; undefined when the step's file is written the ordinary way (with a marker, if any). */
  async open(step: ActionStep): Promise<CheckpointedFile | undefined> {
    const planned = this.#planned.get(step.id);
    if (!planned || planned.step !== step) return undefined;
    const owner = { step: step.id, identity: this.options.identity(step) };
    if (planned.resumable !== true) {
      this.#markers.set(step.id, await markUnfinished(planned.path, owner, planned.resumable));
      return undefined;
    }
    const target = step.forEachPage!.writeRowsTo!;
    const file = planned.existing
      ? await CheckpointedFile.continue(target, planned.path, owner, planned.existing, this.options.words)
      : await CheckpointedFile.start(target, planned.path, owner);
    this.#files.set(step.id, file);
    this.sinks.add(file);
    return file;
  }

  /**
   * The run has ended: files of steps that finished lose their checkpoint; the others keep it,
   * with how the run ended. Returns every file left unfinished (also those this run did not reach).
   */
  async end(status: 'completed' | 'failed' | 'cancelled', outputs: Map<string, { port?: string; output?: unknown; pages?: number }>): Promise<UnfinishedFile[]> {
    try {
      return await this.#end(status, outputs);
    } finally {
      await this.#release();
    }
  }

  async #release(): Promise<void> {
    for (const path of this.#held) inUse.delete(path);
    this.#held.clear();
    for (const unlock of this.#locks.splice(0).reverse()) await unlock().catch(() => undefined);
  }

  async #end(status: 'completed' | 'failed' | 'cancelled', outputs: Map<string, { port?: string; output?: unknown; pages?: number }>): Promise<UnfinishedFile[]> {
    const unfinished: UnfinishedFile[] = [];
    const state: Checkpoint['state'] = status === 'completed' ? 'stopped early' : status;
    for (const [stepId, file] of this.#files) {
      const record = outputs.get(stepId);
      // A step that stopped early with rows remaining (a page limit) has not finished its file;
      // one whose error the flow handled has, as far as the flow is concerned.
      const early = record?.port === 'continue' && isPlainObject(record.output) && record.output.stoppedEarly === true && record.output.resume !== undefined;
      if (status === 'completed' && !early) await file.finish();
      else {
        await file.settle(state);
        unfinished.push(unfinishedOf(file.checkpoint, this.sinks.baseDir));
      }
    }
    for (const marker of this.#markers.values()) {
      if (status === 'completed') await removeCheckpoint(marker.file);
      else {
        const settled: Checkpoint = { ...marker, state, lines: this.sinks.linesOf(marker.file) ?? 0, pages: outputs.get(marker.step)?.pages ?? 0, updatedAt: new Date().toISOString() };
        await writeCheckpoint(settled);
        unfinished.push(unfinishedOf(settled, this.sinks.baseDir));
      }
    }
    // Files this run was to continue but did not reach keep their checkpoint as it was.
    for (const planned of this.#planned.values()) {
      if (planned.existing && !this.#files.has(planned.step.id)) unfinished.push(unfinishedOf(planned.existing, this.sinks.baseDir));
    }
    return unfinished;
  }
}

/**
 * What a flow run writes a step's file with, for `run` and the designer: the flow file and its
 * steps as they are now (any edit makes it another flow), the step, the workspace file, and the
 * values of the variables the step's non-secret inputs read. Secret inputs are left out: the
 * checkpoint holds nothing a token could be learnt from.
 */
export function flowIdentity(flow: Flow, context: { pack: Pack; workspaceFile?: string; env: NodeJS.ProcessEnv; redactor: Redactor }): (step: ActionStep) => Identity {
  const steps = createHash('sha256').update(JSON.stringify(flow.steps)).digest('hex').slice(0, 16);
  return (step) => {
    const identity: Identity = {
      'flow file': flow.file ? resolvePath(flow.file) : flow.label,
      'flow (its steps and inputs)': steps,
      step: step.id,
      'workspace file': context.workspaceFile ? resolvePath(context.workspaceFile) : '',
    };
    const secret = context.pack.actions.get(step.action)?.secretInputs ?? new Set<string>();
    for (const { variable, path } of findEnvReferences(step.inputs)) {
      if (secret.has(String(path[0]))) continue;
      identity[`variable ${variable}`] = context.redactor.redact(context.env[variable] ?? '');
    }
    return identity;
  };
}
