import { resolve as resolvePath } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { StepProgress, type Terminal } from '../../host/console-context.js';
import { displayPath, plural, seconds } from '../../host/display.js';
import { loadFlowFile, type Flow, type Step } from '../../host/flow-file.js';
import { runFlow, type FlowResult, type StepRecord } from '../../host/flow-runner.js';
import { flowIdentity, type CheckpointOptions } from '../../host/run-checkpoints.js';
import { COMMAND_LINE_RESUME_WORDS, continueCommand } from './continue-command.js';
import type { Pack } from '../../host/pack-loader.js';
import type { Redactor } from '../../host/redact.js';
import { loadWorkspace, type Workspace } from '../../host/workspace-file.js';
import { UsageError } from '../../host/errors.js';
import { flowWords, rewordError } from '../../host/words.js';
import { addCommonOptions, withExamples, exitWhenIdle, createRuntime, loadPackFor, reportError, warnAll, type CommonOptions, type Runtime } from './common.js';

// flow-tripletex run: runs a flow file (docs/flows.md) and tells, on stderr, which port each
// step took. Exit 0 when the flow completed (an error its onError steps handled included),
// 1 when it failed, 2 when the flow or workspace file is unusable, 130 when cancelled.

interface RunOptions extends CommonOptions {
  workspace?: string;
  outDir?: string;
  resume?: boolean;
  overwrite?: boolean;
  json?: boolean;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('Run a flow file: steps that call the pack\'s actions, pass outputs on, send pages to files or nested steps, and follow Continue and On Error. See docs/flows.md.')
    .addArgument(new Argument('<flow>', 'the flow file (JSON)'))
    .option('--workspace <file>', 'workspace file for {"$workspace": …} references')
    .option('--out-dir <dir>', 'folder that relative writeRowsTo/appendTo paths are in (default: the current folder)')
    .option('--resume', "continue the flow's unfinished paging step where it stopped (after Ctrl+C, an error, its page limit or a crash), appending to its file")
    .option('--overwrite', 'start files over although they hold an unfinished run')
    .addOption(new Option('--json', 'print the run result (ports taken, outputs, errors, files) as JSON on stdout'));
  withExamples(command, [
    ['every customer into out/customers.ndjson, with per-run credentials from the environment', 'flow-tripletex run examples/flows/export-customers.flow.json'],
    ['a flow that uses connections from a workspace file', 'flow-tripletex run examples/flows/invoices-for-a-period.flow.json --workspace examples/demo.workspace.json'],
    ['the result as JSON: ports taken, outputs, errors, files', 'flow-tripletex run examples/flows/clerk-reads-ledger.flow.json --workspace examples/demo.workspace.json --json'],
  ]);
  addCommonOptions(command).action(async (file: string, options: RunOptions) => {
    exitWhenIdle(await runCommand(file, options));
  });
}

export interface PreparedRun {
  pack: Pack;
  flow: Flow;
  workspace?: Workspace;
}

/** Loads the pack, the workspace file and the flow file, printing their warnings. */
export async function prepareRun(file: string, options: Pick<RunOptions, 'manifest' | 'workspace'>, runtime: Runtime): Promise<PreparedRun> {
  const pack = await loadPackFor(options);
  const workspace = options.workspace ? await loadWorkspace(options.workspace, pack, runtime.redactor) : undefined;
  if (workspace) warnAll(runtime.log, workspace.warnings);
  const warnings: string[] = [];
  const flow = await loadFlowFile(file, pack, { redactor: runtime.redactor, warnings });
  warnAll(runtime.log, warnings);
  return { pack, flow, ...(workspace ? { workspace } : {}) };
}

/** Runs a prepared flow with the terminal narrative (step lines, progress bars). */
export async function executeRun(
  prepared: PreparedRun,
  runtime: Runtime,
  options: { outDir?: string; quietSteps?: boolean; progressLabel?: (stepId: string) => string; checkpoints?: CheckpointOptions },
): Promise<FlowResult> {
  const { pack, flow, workspace } = prepared;
  return runFlow(flow, {
    ...(options.checkpoints ? { checkpoints: options.checkpoints } : {}),
    pack,
    ...(workspace ? { workspace } : {}),
    env: process.env,
    redactor: runtime.redactor,
    log: runtime.log,
    signal: runtime.signal,
    outDir: resolvePath(options.outDir ?? process.cwd()),
    progress: (step) => new StepProgress(runtime.terminal, options.progressLabel?.(step.id) ?? step.id),
    onStep: options.quietSteps ? undefined : (event) => narrate(event, runtime.terminal, runtime.redactor, pack),
  });
}

function narrate(event: { phase: 'start' | 'end'; step: Step; record?: StepRecord }, terminal: Terminal, redactor: Redactor, pack: Pack): void {
  const step = event.step;
  if (step.kind !== 'action') return;
  if (event.phase === 'start') {
    terminal.write(`▶ ${step.id} — ${step.title ?? pack.actions.get(step.action)?.title ?? step.action}`);
    return;
  }
  const record = event.record!;
  const rows = record.pages > 0 ? `: ${plural(record.rows, 'row')} in ${plural(record.pages, 'page')}` : '';
  const message = String(rewordError(record.error ?? {}, flowWords).message);
  if (record.port === 'continue') terminal.write(redactor.redact(`  ✓ Continue${rows}`));
  else if (record.port === 'onError') terminal.write(redactor.redact(`  ✗ On Error${rows ? ` after${rows.slice(1)}` : ''}: ${message}\n  → running its onError steps`));
  // The flow ends here, and its last line says why: the message is printed once, there.
  else terminal.write(redactor.redact(`  ✗ failed${rows ? ` after${rows.slice(1)}` : ''}`));
}

export function describeResult(result: FlowResult, label: string): string {
  const lines: string[] = [];
  const files = result.files.map((f) => `${displayPath(f.path)} (${plural(f.lines, 'line')})`);
  if (result.status === 'completed') {
    lines.push(`Flow "${result.flow}" completed in ${seconds(result.durationMs)}${result.handledErrors > 0 ? ` (${plural(result.handledErrors, 'error')} handled by onError steps)` : ''}.`);
  } else if (result.status === 'cancelled') lines.push(`Flow "${result.flow}" was cancelled after ${seconds(result.durationMs)}.`);
  else lines.push(`Flow "${result.flow}" (${label}) failed${result.failedStep ? ` at step "${result.failedStep}"` : ''}: ${String(rewordError(result.error ?? {}, flowWords).message)}`);
  if (files.length > 0) lines.push(`Files: ${files.join(', ')}`);
  return lines.join('\n');
}

export function exitCodeOfResult(result: FlowResult): number {
  return result.status === 'completed' ? 0 : result.status === 'cancelled' ? 130 : 1;
}

export async function runCommand(file: string, options: RunOptions): Promise<number> {
  const runtime = createRuntime(options);
  try {
    const prepared = await prepareRun(file, options, runtime);
    if (options.resume && options.overwrite) throw new UsageError('--resume continues the files and --overwrite starts them over: give one of them');
    runtime.terminal.write(`Flow "${prepared.flow.name}" (${prepared.flow.label})`);
    const checkpoints: CheckpointOptions = {
      mode: options.resume ? 'resume' : options.overwrite ? 'overwrite' : 'fresh',
      identity: flowIdentity(prepared.flow, { pack: prepared.pack, ...(options.workspace ? { workspaceFile: options.workspace } : {}), env: process.env, redactor: runtime.redactor }),
      words: COMMAND_LINE_RESUME_WORDS,
    };
    const result = await executeRun(prepared, runtime, { ...(options.outDir !== undefined ? { outDir: options.outDir } : {}), checkpoints });
    runtime.terminal.write(runtime.redactor.redact(describeResult(result, prepared.flow.label)));
    const continuable = (result.unfinished ?? []).filter((f) => f.resumable === true);
    if (continuable.length > 0) {
      const files = continuable.map((f) => `${displayPath(f.file)} (${f.where})`).join(', ');
      runtime.terminal.write(runtime.redactor.redact(`Unfinished: ${files}; continue with: ${continueCommand(process.argv.slice(2), ['--resume'])}`));
    }
    if (options.json) process.stdout.write(runtime.redactor.stringify(result, 2) + '\n');
    return exitCodeOfResult(result);
  } catch (error) {
    return reportError(error, { json: options.json, redactor: runtime.redactor });
  } finally {
    runtime.dispose();
  }
}

