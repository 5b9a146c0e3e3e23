import type { TestOutcome } from './api';

// A Test connection's verdict, as the connection dialog and a step's panel show it: passed or
// failed, the pack's message (which names the field to change), and the client companies an
// accountant's token reaches.

export type TestState = TestOutcome | { error: string } | undefined;

export function clientsOf(outcome: TestState): { id: number; name?: string }[] {
  const result = outcome && 'result' in outcome ? outcome.result : undefined;
  return Array.isArray(result?.clients) ? (result.clients as { id: number; name?: string }[]) : [];
}

export function Verdict({ outcome, busy }: { outcome: TestState; busy: boolean }) {
  const result = outcome && 'result' in outcome ? outcome.result : undefined;
  const clients = clientsOf(outcome);
  return (
    <div className="verdict-area" role="status" aria-live="polite" aria-label="Test result">
      {busy && <p className="pending">Testing…</p>}
      {result && (
        <div className={result.ok ? 'verdict ok' : 'verdict fail'}>
          <p className="verdict-title">
            <strong>{result.ok ? 'Test passed' : 'Test failed'}</strong>
            {typeof result.label === 'string' && result.ok ? ` — ${result.label}` : ''}
          </p>
          <p className="verdict-message">{result.message}</p>
          {clients.length > 0 && (
            <details>
              <summary>Client companies this token reaches ({clients.length})</summary>
              <ul>
                {clients.map((c) => (
                  <li key={c.id}>
                    {c.name ?? 'unnamed'} — id {c.id}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
      {outcome && 'error' in outcome && <p className="verdict fail">The test could not start: {outcome.error}</p>}
    </div>
  );
}
