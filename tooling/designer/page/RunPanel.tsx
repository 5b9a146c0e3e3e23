import { useId } from 'react';
import type { FlowResult, JsonObject, Problem, RunEvent, RunMode, UnfinishedFile } from './api';
import { ContinueRun } from './ContinueRun';

// What a run looks like while it happens: per step the connection it used, a progress bar
// with pages, rows, requests and rate-limit waits, then the port it took (Continue with the
// summary, or On Error with the error). The first rows go into a table; the rest are counts.

export interface StepRun {
  stepId: string;
  /** The action's id, for its output schema's titles. */
  action: string;
  title: string;
  /** The action has a For each page port: pages, rows and a progress bar make sense. */
  paging: boolean;
  connection?: string;
  pages: number;
  rows: number;
  requests: number;
  retries: number;
  rateLimitWaits: number;
  waitingMs: number;
  message?: string;
  port?: string;
  output?: unknown;
  error?: { message?: string };
  running: boolean;
}

export interface RunState {
  flowId: string;
  flowName: string;
  runId?: string;
  status: 'starting' | 'running' | 'completed' | 'failed' | 'cancelled' | 'refused';
  cancelling: boolean;
  order: string[];
  steps: Record<string, StepRun>;
  rows: unknown[];
  rowsStep?: string;
  logs: { level: string; message: string }[];
  result?: FlowResult;
  message?: string;
  problems?: Problem[];
  /** The rows table's columns per step, from its Fields input (run-columns.ts). */
  columns?: Record<string, string[]>;
  /** Files the run left unfinished, or that kept it from starting (Continue / Start over). */
  unfinished?: UnfinishedFile[];
}

export function newRun(flowId: string, flowName: string): RunState {
  return { flowId, flowName, status: 'starting', cancelling: false, order: [], steps: {}, rows: [], logs: [] };
}

const MAX_LOG_LINES = 200;

/** Once the run is over no step is running, whatever events a cancel cut short. */
function settled(state: RunState): RunState {
  const steps = Object.fromEntries(Object.entries(state.steps).map(([id, step]) => [id, step.running ? { ...step, running: false, waitingMs: 0 } : step]));
  return { ...state, steps };
}

/** "1 row", "2 rows", "1,000 rows". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

export function applyEvent(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'run':
      return { ...state, runId: event.runId, status: 'running' };
    case 'step': {
      if (event.phase === 'start') {
        const run: StepRun = { stepId: event.stepId, action: event.action, title: event.title, paging: event.paging, ...(event.connection ? { connection: event.connection } : {}), pages: 0, rows: 0, requests: 0, retries: 0, rateLimitWaits: 0, waitingMs: 0, running: true };
        return { ...state, order: state.order.includes(event.stepId) ? state.order : [...state.order, event.stepId], steps: { ...state.steps, [event.stepId]: run } };
      }
      const before = state.steps[event.stepId];
      if (!before) return state;
      return {
        ...state,
        steps: {
          ...state.steps,
          [event.stepId]: { ...before, running: false, port: event.port, pages: event.pages, rows: event.rows, waitingMs: 0, ...(event.output !== undefined ? { output: event.output } : {}), ...(event.error ? { error: event.error } : {}) },
        },
      };
    }
    case 'progress': {
      const before = state.steps[event.stepId];
      if (!before) return state;
      const { type: _type, ...counts } = event;
      return { ...state, steps: { ...state.steps, [event.stepId]: { ...before, ...counts, pages: Math.max(before.pages, event.pages), rows: Math.max(before.rows, event.rows) } } };
    }
    case 'rows':
      return { ...state, rows: [...state.rows, ...event.rows], rowsStep: state.rowsStep ?? event.stepId };
    case 'log':
      return { ...state, logs: [...state.logs, { level: event.level, message: event.message }].slice(-MAX_LOG_LINES) };
    case 'done':
      return { ...settled(state), status: event.result.status, result: event.result, cancelling: false, ...(event.result.unfinished?.length ? { unfinished: event.result.unfinished } : {}) };
    case 'failed':
      return { ...settled(state), status: 'refused', message: event.message, cancelling: false, ...(Array.isArray(event.problems) ? { problems: event.problems as Problem[] } : {}), ...(event.unfinished?.length ? { unfinished: event.unfinished } : {}) };
    default:
      return state;
  }
}

const n = (value: number) => value.toLocaleString('en-US');

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function statusLine(run: RunState): string {
  const rows = Object.values(run.steps).reduce((sum, s) => sum + s.rows, 0);
  switch (run.status) {
    case 'starting':
      return `Starting "${run.flowName}"…`;
    case 'running':
      return run.cancelling ? 'Cancelling…' : `Running "${run.flowName}"…`;
    case 'completed': {
      const handled = run.result?.handledErrors ?? 0;
      return `Flow completed in ${seconds(run.result?.durationMs ?? 0)}${handled > 0 ? ` (${handled === 1 ? '1 error handled by On Error steps' : `${handled} errors handled by On Error steps`})` : ''}.`;
    }
    case 'cancelled':
      return `Run cancelled after ${plural(rows, 'row')}.`;
    case 'failed':
      return `Flow failed${run.result?.failedStep ? ` at step "${run.result.failedStep}"` : ''}: ${run.result?.error?.message ?? 'unknown error'}`;
    case 'refused':
      return `The flow did not start: ${run.message ?? ''}`;
  }
}

/**
 * The summary a Continue port carries, in words: each property under its output-schema title,
 * durations in seconds, and only what says something (no empty lists, no "false", no nulls,
 * no zero counts). The counts above already show pages, rows, requests and waits.
 */
export function summaryEntries(output: unknown, schema: JsonObject | null | undefined, shown: Set<string> = new Set()): [string, string][] {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return [];
  const properties = ((schema?.properties ?? {}) as Record<string, { title?: unknown; 'x-unit'?: unknown }>);
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(output)) {
    if (shown.has(key) || value === null || value === undefined || value === false || value === 0 || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    const title = typeof properties[key]?.title === 'string' ? (properties[key]!.title as string) : words(key);
    let text: string;
    if (typeof value === 'number') text = properties[key]?.['x-unit'] === 'ms' ? seconds(value) : n(value);
    else if (value === true) text = 'yes';
    else if (typeof value === 'string') text = value.replace(/-/g, ' ');
    else if (Array.isArray(value)) text = value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join('; ');
    // An object is shown by its name, or as it is when short; all of it is in the output below.
    else if (typeof (value as { name?: unknown }).name === 'string') text = (value as { name: string }).name;
    else if (JSON.stringify(value).length <= 80) text = JSON.stringify(value);
    else continue;
    entries.push([title, text]);
  }
  return entries;
}

/** A property name without a title, in words: "nextIndex" → "next index". */
function words(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** Summary properties the counts above the port already show. */
const COUNTED = new Set(['pages', 'items', 'requests', 'rateLimitWaits']);

const MAX_COLUMNS = 10;

function columnsOf(rows: unknown[], limit: number): string[] {
  const columns: string[] = [];
  for (const row of rows.slice(0, 20)) {
    if (typeof row !== 'object' || row === null) continue;
    for (const key of Object.keys(row)) if (!columns.includes(key) && columns.length < limit) columns.push(key);
  }
  return columns;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export interface RunPanelProps {
  run: RunState;
  onCancel(): void;
  /** Starts the flow again: fresh, continuing where it stopped, or over (the Continue / Start over buttons). */
  onRun?(mode: RunMode): void;
  /** An action's output schema: titles and units for its summary. */
  outputSchemaOf?(action: string): JsonObject | null | undefined;
}

/** The bar's last state: full when the step went on, marked when it failed or the run stopped it. */
function endState(step: StepRun, run: RunState): 'continued' | 'failed' | 'cancelled' {
  if (step.port === 'continue') return 'continued';
  if (step.port === 'onError' || step.port === 'failed') return 'failed';
  return run.status === 'failed' || run.status === 'refused' ? 'failed' : 'cancelled';
}

const END_WORDS = { continued: 'done', failed: 'failed', cancelled: 'stopped by Cancel' };

export function RunPanel({ run, onCancel, onRun, outputSchemaOf }: RunPanelProps) {
  const titleId = useId();
  const running = run.status === 'starting' || run.status === 'running';
  const wanted = run.rowsStep ? run.columns?.[run.rowsStep] : undefined;
  const present = columnsOf(run.rows, 1000);
  // The Fields list's order, for the fields the rows hold; else the rows' own keys.
  const columns = wanted ? wanted.filter((c) => present.includes(c)).slice(0, MAX_COLUMNS) : present.slice(0, MAX_COLUMNS);
  const hiddenColumns = (wanted ? wanted.filter((c) => present.includes(c)).length : present.length) - columns.length;
  const totalRows = run.rowsStep ? run.steps[run.rowsStep]?.rows ?? run.rows.length : 0;
  return (
    <section className="run-panel" aria-labelledby={titleId}>
      <header>
        <h2 id={titleId}>Run of “{run.flowName}”</h2>
        {running && (
          <button type="button" className="danger" onClick={onCancel} disabled={run.cancelling || !run.runId}>
            Cancel
          </button>
        )}
      </header>
      <p className={`run-status ${run.status}`} role="status" aria-live="polite" data-testid="run-status">
        {statusLine(run)}
      </p>
      {onRun && <ContinueRun run={run} onRun={onRun} />}
      {run.problems && run.problems.length > 0 && (
        <ul className="problems">
          {run.problems.map((p, i) => (
            <li key={i}>{'field' in p ? `${p.field} ${p.message}` : JSON.stringify(p)}</li>
          ))}
        </ul>
      )}
      {run.order.map((id) => {
        const step = run.steps[id]!;
        const port = step.port === 'continue' ? 'Continue' : step.port === 'onError' ? 'On Error' : step.port === 'failed' ? 'On Error (not handled: the flow fails)' : undefined;
        return (
          <article key={id} className="step-run" aria-label={`Step ${step.title}`} data-step={id}>
            <h3>
              {step.title} <code>{id}</code>
            </h3>
            {step.connection && (
              <p className="used-connection">
                Connection used: <strong>{step.connection}</strong>
              </p>
            )}
            {step.paging &&
              (step.running ? (
                <progress aria-label={`Progress of ${step.title}`} />
              ) : (
                <progress className={`ended ${endState(step, run)}`} aria-label={`Progress of ${step.title}`} aria-valuetext={END_WORDS[endState(step, run)]} value={1} max={1} />
              ))}
            {step.paging && !step.running && endState(step, run) === 'cancelled' && <p className="stopped">Stopped by Cancel after {plural(step.rows, 'row')}.</p>}
            {step.paging && (
            <dl className="counts">
              <div>
                <dt>Pages</dt>
                <dd data-testid={`pages-${id}`}>{n(step.pages)}</dd>
              </div>
              <div>
                <dt>Rows</dt>
                <dd data-testid={`rows-${id}`}>{n(step.rows)}</dd>
              </div>
              <div>
                <dt>Requests</dt>
                <dd>{n(step.requests)}</dd>
              </div>
              <div>
                <dt>Rate-limit waits</dt>
                <dd data-testid={`waits-${id}`}>{n(step.rateLimitWaits)}</dd>
              </div>
            </dl>
            )}
            {step.running && step.waitingMs > 0 && <p className="waiting">{step.message ?? `Waiting ${seconds(step.waitingMs)} for the rate limit`}</p>}
            {port && (
              <div className={`port-result ${step.port}`} data-testid={`port-${id}`}>
                <p>
                  <span className="arrow" aria-hidden="true">
                    →{' '}
                  </span>
                  <strong>{port}</strong>
                  {step.port !== 'continue' && step.error?.message ? `: ${step.error.message}` : ''}
                </p>
                {step.port === 'continue' && summaryEntries(step.output, outputSchemaOf?.(step.action), step.paging ? COUNTED : undefined).length > 0 && (
                  <dl className="summary">
                    {summaryEntries(step.output, outputSchemaOf?.(step.action), step.paging ? COUNTED : undefined).map(([key, value]) => (
                      <div key={key}>
                        <dt>{key}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                  </dl>
                )}
                {step.port === 'continue' && step.output !== undefined && (
                  <details className="output-json">
                    <summary>The output as the next step sees it</summary>
                    <pre>{JSON.stringify(step.output, null, 2)}</pre>
                  </details>
                )}
              </div>
            )}
          </article>
        );
      })}
      {run.rows.length > 0 && (
        <div className="rows">
          <table aria-label="Rows">
            <caption>
              First {n(run.rows.length)} of {plural(totalRows, 'row')} from step <code>{run.rowsStep}</code>
              {hiddenColumns > 0 ? ` (${plural(columns.length, 'field')} of ${n(columns.length + hiddenColumns)} as columns)` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {run.rows.map((row, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  {columns.map((c) => (
                    <td key={c}>{cell((row as Record<string, unknown>)?.[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {run.result && run.result.files.length > 0 && (
        <p className="files">
          Files written: {run.result.files.map((f) => `${f.path} (${plural(f.lines, 'line')})`).join(', ')}
        </p>
      )}
      {run.logs.length > 0 && (
        <details className="log">
          <summary>Log ({plural(run.logs.length, 'line')})</summary>
          <ol>
            {run.logs.map((line, i) => (
              <li key={i} className={line.level}>
                <span className="level">{line.level}</span> {line.message}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
