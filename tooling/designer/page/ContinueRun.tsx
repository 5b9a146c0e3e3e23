import type { RunMode } from './api';
import type { RunState } from './RunPanel';

// After a run that stopped part-way (Cancel, an error, Max page count), or a run refused
// because a file it writes holds such a run: where it stopped, in words, and Continue, which
// goes on exactly there and appends to the same files. Start over (overwriting them) is offered
// only once a new run was refused, so that no click at the end of a run throws its rows away.

export function ContinueRun({ run, onRun }: { run: RunState; onRun(mode: RunMode): void }) {
  const unfinished = run.unfinished ?? [];
  const running = run.status === 'starting' || run.status === 'running';
  if (running || unfinished.length === 0) return null;
  const continuable = unfinished.every((file) => file.resumable === true);
  const refused = run.status === 'refused';
  return (
    <div className="continue-run" data-testid="continue-run">
      <ul>
        {unfinished.map((file) => (
          <li key={file.file}>
            <strong data-testid="stopped-where">{file.where.charAt(0).toUpperCase() + file.where.slice(1)}.</strong> <code>{file.name}</code> keeps {file.lines === 1 ? 'it' : 'them'}
            {file.resumable === true ? '; Continue adds the rest.' : `, but cannot be continued: ${file.resumable}.`}
          </li>
        ))}
      </ul>
      <p className="continue-actions">
        {continuable && (
          <button type="button" className="primary" onClick={() => onRun('resume')}>
            Continue
          </button>
        )}
        {refused && (
          <button type="button" className="danger" onClick={() => onRun('overwrite')}>
            Start over
          </button>
        )}
      </p>
    </div>
  );
}
