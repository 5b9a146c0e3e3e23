import { randomUUID } from 'node:crypto';
import type { LogData, ProgressInfo } from '../../../contract/host.js';
import type { HostLogger } from '../../host/console-context.js';
import { asReference, type ActionStep, type Flow } from '../../host/flow-file.js';
import { runFlow, type FlowResult } from '../../host/flow-runner.js';
import type { Pack } from '../../host/pack-loader.js';
import { labelWordsFor, rewordError } from '../../host/words.js';
import { serializeError, type Redactor } from '../../host/redact.js';
import { flowIdentity, UnfinishedFilesError, type CheckpointMode, type UnfinishedFile } from '../../host/run-checkpoints.js';
import type { ResumeWords } from '../../host/checkpointed-file.js';
import { isPlainObject } from '../../host/schema-tools.js';
import type { Workspace } from '../../host/workspace-file.js';

// A run started from the page: the host's flow runner, with its progress, pages, step ports
// and log lines turned into events the page reads as they happen (one JSON object per line).
// Only the first rows travel to the page; after that a page is just a count, so a run of a
// million rows costs the browser what a run of a hundred does.

export const ROWS_SHOWN = 100;

export type RunEvent =
  | { type: 'run'; runId: string; flow: string }
  | { type: 'step'; phase: 'start'; stepId: string; action: string; title: string; paging: boolean; connection?: string }
  | { type: 'step'; phase: 'end'; stepId: string; port: string; pages: number; rows: number; output?: unknown; error?: unknown }
  | { type: 'progress'; stepId: string; pages: number; rows: number; requests: number; retries: number; rateLimitWaits: number; waitingMs: number; message?: string }
  | { type: 'rows'; stepId: string; page: number; rows: unknown[]; pageRows: number }
  | { type: 'log'; level: string; message: string }
  | { type: 'done'; result: FlowResult }
  | { type: 'failed'; message: string; problems?: unknown; unfinished?: UnfinishedFile[] };

/** How the page says "continue" and "start over": its buttons. */
export const DESIGNER_RESUME_WORDS: ResumeWords = { resume: 'press Continue to continue it', overwrite: 'press Start over to overwrite it' };

export interface RunRequest {
  pack: Pack;
  flow: Flow;
  workspace: Workspace;
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  outDir: string;
  /** Resolves when the event is on its way (the page's reading speed holds the run back). */
  send: (event: RunEvent) => Promise<void>;
  /** Start the flow's files anew (refused while one holds an unfinished run), continue them (Continue), or overwrite them (Start over). */
  mode?: CheckpointMode;
}

/** Runs in progress, so Cancel can reach them. */
export class RunRegistry {
  readonly #runs = new Map<string, AbortController>();

  start(): { runId: string; signal: AbortSignal; finish(): void } {
    const runId = randomUUID();
    const controller = new AbortController();
    this.#runs.set(runId, controller);
    return { runId, signal: controller.signal, finish: () => this.#runs.delete(runId) };
  }

  cancel(runId: string): boolean {
    const controller = this.#runs.get(runId);
    controller?.abort();
    return controller !== undefined;
  }

  cancelAll(): void {
    for (const controller of this.#runs.values()) controller.abort();
  }

  get size(): number {
    return this.#runs.size;
  }
}

/** Log lines of the run, as events (the redactor has already seen every secret the run resolved). */
class StreamLogger implements HostLogger {
  constructor(
    private readonly emit: (level: string, message: string) => void,
    private readonly prefix = '',
  ) {}
  child(prefix: string): HostLogger {
    return new StreamLogger(this.emit, this.prefix ? `${this.prefix} › ${prefix}` : prefix);
  }
  enabled(level: string): boolean {
    return level !== 'debug';
  }
  private line(level: string, message: string, data?: LogData): void {
    if (!this.enabled(level)) return;
    const detail = data !== undefined && Object.keys(data).length > 0 && level !== 'info' ? ` ${JSON.stringify(data)}` : '';
    this.emit(level, `${this.prefix ? `${this.prefix}: ` : ''}${message}${detail}`);
  }
  debug(message: string, data?: LogData) {
    this.line('debug', message, data);
  }
  info(message: string, data?: LogData) {
    this.line('info', message, data);
  }
  warn(message: string, data?: LogData) {
    this.line('warn', message, data);
  }
  error(message: string, data?: LogData) {
    this.line('error', message, data);
  }
}

/** Words for the connection a step uses: a workspace object, or a connection an earlier step made. */
function connectionWords(step: ActionStep, request: RunRequest, outputs: Map<string, unknown>): string | undefined {
  const action = request.pack.actions.get(step.action);
  if (!action) return undefined;
  for (const [input, type] of action.workspaceObjectInputs) {
    const title = request.pack.objectTypes.get(type)?.title ?? type;
    const reference = asReference(step.inputs[input]);
    if (reference?.kind === 'workspace') {
      const entry = request.workspace.find(reference.name);
      const test = entry?.properties.useTestEnvironment;
      return `${title} "${reference.name}" from the workspace${typeof test === 'boolean' ? `, ${test ? 'test environment' : 'production'}` : ''}`;
    }
    if (reference?.kind === 'from') {
      let value: unknown = outputs.get(reference.source);
      for (const part of reference.path) value = isPlainObject(value) ? value[part] : undefined;
      const made = isPlainObject(value) ? value : {};
      // A name that only says "per-run connection" again is not repeated.
      const name = typeof made.name === 'string' && made.name.trim() !== '' && made.name.trim().toLowerCase() !== 'per-run connection' ? `"${made.name.trim()}" ` : '';
      const maker = request.flow.steps.find((s) => s.id === reference.source);
      const makerTitle = maker?.kind === 'action' ? request.pack.actions.get(maker.action)?.title ?? maker.action : reference.source;
      const environment = typeof made.useTestEnvironment === 'boolean' ? `, ${made.useTestEnvironment ? 'test environment' : 'production'}` : '';
      return `Per-run connection ${name}made by step "${reference.source}" (${makerTitle}) in this run${environment}`;
    }
  }
  return undefined;
}

export async function runWithEvents(request: RunRequest, signal: AbortSignal, runId: string): Promise<FlowResult | undefined> {
  const { redactor, send } = request;
  // Events leave in order; progress may be produced faster than the page reads, and the
  // runner's own back-pressure comes from awaiting the page events below.
  let queue: Promise<void> = Promise.resolve();
  const post = (event: RunEvent): Promise<void> => {
    const safe = redactor.redactDeep(event) as RunEvent;
    queue = queue.then(() => send(safe)).catch(() => undefined);
    return queue;
  };
  const outputs = new Map<string, unknown>();
  let shown = 0;
  await post({ type: 'run', runId, flow: request.flow.name });
  try {
    // Advice names inputs by the labels this page shows them under.
    const words = labelWordsFor(request.pack);
    const result = await runFlow(request.flow, {
      // Every file a paging step writes keeps a checkpoint while its run is unfinished, so that a
      // Cancel, an error or a page limit can be continued (Continue) and never cut a file short.
      checkpoints: {
        mode: request.mode ?? 'fresh',
        identity: flowIdentity(request.flow, { pack: request.pack, workspaceFile: request.workspace.file, env: request.env, redactor }),
        words: DESIGNER_RESUME_WORDS,
      },
      pack: request.pack,
      workspace: request.workspace,
      env: request.env,
      redactor,
      log: new StreamLogger((level, message) => void post({ type: 'log', level, message })),
      signal,
      outDir: request.outDir,
      // A flow opened in the designer may come from anyone (a cloned repository): it writes only inside the output folder.
      confineFiles: true,
      progress: (step) => {
        let pages = 0;
        let rows = 0;
        let latest: ProgressInfo = {};
        const counts = (waitingMs = 0) =>
          ({
            type: 'progress',
            stepId: step.id,
            pages: Math.max(pages, latest.pages ?? 0),
            rows: Math.max(rows, latest.items ?? 0),
            requests: latest.requests ?? 0,
            retries: latest.retries ?? 0,
            rateLimitWaits: latest.rateLimitWaits ?? 0,
            waitingMs,
            ...(latest.message && waitingMs > 0 ? { message: latest.message } : {}),
          }) as const;
        return {
          update(info) {
            latest = { ...latest, ...info };
            void post(counts(info.rateLimitWaitMs ?? 0));
          },
          page(count, values) {
            pages += 1;
            rows += count;
            if (shown < ROWS_SHOWN && values && values.length > 0) {
              const part = values.slice(0, ROWS_SHOWN - shown);
              shown += part.length;
              void post({ type: 'rows', stepId: step.id, page: pages - 1, rows: part, pageRows: count });
            }
            void post(counts());
          },
          stop(final) {
            if (final?.requests !== undefined) latest.requests = final.requests;
            if (final?.waits !== undefined) latest.rateLimitWaits = final.waits;
            void post(counts());
          },
        };
      },
      onStep: (event) => {
        const step = event.step;
        if (step.kind !== 'action') return;
        const title = step.title ?? request.pack.actions.get(step.action)?.title ?? step.action;
        if (event.phase === 'start') {
          const connection = connectionWords(step, request, outputs);
          const paging = request.pack.actions.get(step.action)?.ports.some((p) => p.kind === 'stream') ?? false;
          void post({ type: 'step', phase: 'start', stepId: step.id, action: step.action, title, paging, ...(connection ? { connection } : {}) });
          return;
        }
        const record = event.record!;
        if (record.port === 'continue') outputs.set(step.id, record.output);
        void post({
          type: 'step',
          phase: 'end',
          stepId: step.id,
          port: record.port ?? 'continue',
          pages: record.pages,
          rows: record.rows,
          ...(record.output !== undefined && record.port === 'continue' ? { output: record.output } : {}),
          ...(record.error ? { error: rewordError(record.error, words) } : {}),
        });
      },
    });
    await post({ type: 'done', result: result.error ? { ...result, error: rewordError(result.error, words) } : result });
    return result;
  } catch (error) {
    // Bad usage (a missing variable or object): the flow did not start.
    const serialized = serializeError(error);
    await post({
      type: 'failed',
      message: String(serialized.message),
      ...(serialized.problems ? { problems: serialized.problems } : {}),
      ...(serialized.variables ? { problems: serialized.variables } : {}),
      ...(error instanceof UnfinishedFilesError ? { unfinished: error.files } : {}),
    });
    return undefined;
  } finally {
    await queue;
  }
}
