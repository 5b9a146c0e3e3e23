import { useId } from 'react';
import type { FlowResult, Problem, RunEvent, RunMode, UnfinishedFile } from './api';
import { ContinueRun } from './ContinueRun';

// What a run looks like while it happens: per step the connection it used, a progress bar
// with pages, rows, requests and rate-limit waits, then the port it took (Continue with the
// summary, or On Error with the error). The first rows go into a table; the rest are counts.

export interface StepRun {
  stepId: string;
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
  /** Files the run left unfinished, or that kept it from starting (Continue / Start over). */
  unfinished?: UnfinishedFile[];
}

export function newRun(flowId: string, flowName: string): RunState {
  return { flowId, flowName, status: 'starting', cancelling: false, order: [], steps: {}, rows: [], logs: [] };
}

const MAX_LOG_LINES = 200;

export function applyEvent(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'run':
      return { ...state, runId: event.runId, status: 'running' };
    case 'step': {
      if (event.phase === 'start') {
        const run: StepRun = { stepId: event.stepId, title: event.title, paging: event.paging, ...(event.connection ? { connection: event.connection } : {}), pages: 0, rows: 0, requests: 0, retries: 0, rateLimitWaits: 0, waitingMs: 0, running: true };
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
      return { ...state, status: event.result.status, result: event.result, cancelling: false, ...(event.result.unfinished?.length ? { unfinished: event.result.unfinished } : {}) };
    case 'failed':
      return { ...state, status: 'refused', message: event.message, cancelling: false, ...(Array.isArray(event.problems) ? { problems: event.problems as Problem[] } : {}), ...(event.unfinished?.length ? { unfinished: event.unfinished } : {}) };
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
    case 'completed':
      return `Flow completed in ${seconds(run.result?.durationMs ?? 0)}${run.result?.handledErrors ? ` (${run.result.handledErrors} error(s) handled by On Error steps)` : ''}.`;
    case 'cancelled':
      return `Run cancelled after ${n(rows)} rows.`;
    case 'failed':
      return `Flow failed${run.result?.failedStep ? ` at step "${run.result.failedStep}"` : ''}: ${run.result?.error?.message ?? 'unknown error'}`;
    case 'refused':
      return `The flow did not start: ${run.message ?? ''}`;
  }
}

/** Top-level scalar values of an output (the summary a Continue port carries). */
function summaryEntries(output: unknown): [string, string][] {
  if (typeof output !== 'object' || output === null) return [];
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(output)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) entries.push([key, typeof value === 'number' ? n(value) : String(value)]);
    else if (Array.isArray(value)) entries.push([key, value.length === 0 ? '(none)' : value.map(String).join('; ')]);
    else entries.push([key, JSON.stringify(value)]);
  }
  return entries;
}

function columnsOf(rows: unknown[]): string[] {
  const columns: string[] = [];
  for (const row of rows.slice(0, 20)) {
    if (typeof row !== 'object' || row === null) continue;
    for (const key of Object.keys(row)) if (!columns.includes(key) && columns.length < 8) columns.push(key);
  }
  return columns;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function RunPanel({ run, onCancel, onRun }: { run: RunState; onCancel(): void; onRun?(mode: RunMode): void }) {
  const titleId = useId();
  const running = run.status === 'starting' || run.status === 'running';
  const columns = columnsOf(run.rows);
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
            {step.paging && <progress aria-label={`Progress of ${step.title}`} {...(step.running ? {} : { value: 1, max: 1 })} />}
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
                {step.port === 'continue' && summaryEntries(step.output).length > 0 && (
                  <dl className="summary">
                    {summaryEntries(step.output).map(([key, value]) => (
                      <div key={key}>
                        <dt>{key}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                  </dl>
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
              First {n(run.rows.length)} of {n(totalRows)} rows from step <code>{run.rowsStep}</code>
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
          Files written: {run.result.files.map((f) => `${f.path} (${n(f.lines)} lines)`).join(', ')}
        </p>
      )}
      {run.logs.length > 0 && (
        <details className="log">
          <summary>Log ({run.logs.length} lines)</summary>
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
