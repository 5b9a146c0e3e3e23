import { useCallback, useEffect, useMemo, useState } from 'react';
import { accessToken, api, ApiError, streamRun, type BrokenFlow, type DesignerInfo, type FlowDocument, type FlowEntry, type Problem, type RunMode, type StepDocument, type WorkspaceObject } from './api';
import { connectionChoices, flatten, newStepId, stepAt, stepTitle, whereOf, withStep, type StepPath } from './flow-model';
import { ObjectDialog } from './ObjectDialog';
import { applyEvent, newRun, plural, RunPanel, type RunState } from './RunPanel';
import { columnsForStep } from './run-columns';
import { StepPanel } from './StepPanel';

// The designer: Workspace Objects and flows on the left, the open flow in the middle with its
// run below it, and the selected step's property panel on the right. Everything it shows
// comes from the pack's manifest and schemas, the workspace file and the flow files.

interface DialogState {
  type: string;
  /** The object's name; absent while creating one. */
  name?: string;
  /** A Connection dropdown that asked for the new object: it gets the object once saved. */
  returnTo?: { flowId: string; path: StepPath; input: string };
  /** Which opening of the dialog this is. */
  session: number;
}

let openings = 0;

function renameReferences(document: FlowDocument, from: string, to: string): FlowDocument {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) {
      const object = node as Record<string, unknown>;
      if (Object.keys(object).length === 1 && object.$workspace === from) return { $workspace: to };
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  return walk(document) as FlowDocument;
}

/** Equal as JSON values, whatever the order of object keys (the form rebuilds inputs in schema order). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function App() {
  const [info, setInfo] = useState<DesignerInfo>();
  const [objects, setObjects] = useState<WorkspaceObject[]>([]);
  const [flows, setFlows] = useState<FlowEntry[]>([]);
  const [brokenFlows, setBrokenFlows] = useState<BrokenFlow[]>([]);
  const [drafts, setDrafts] = useState<Record<string, FlowDocument>>({});
  const [flowId, setFlowId] = useState<string>();
  const [stepPath, setStepPath] = useState<StepPath>();
  const [dialog, setDialog] = useState<DialogState>();
  // One run per flow: switching flows shows that flow's run (or none), and a run keeps going.
  const [runs, setRuns] = useState<Record<string, RunState>>({});
  const [notice, setNotice] = useState<string>();
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saveState, setSaveState] = useState<string>();
  const [loadError, setLoadError] = useState<string>();
  const [paletteAction, setPaletteAction] = useState<string>('');

  const reloadObjects = useCallback(async () => setObjects(await api.objects()), []);
  const reloadFlows = useCallback(async () => {
    const { flows: list, broken } = await api.flows();
    setFlows(list);
    setBrokenFlows(broken);
    return list;
  }, []);

  useEffect(() => {
    if (!accessToken()) {
      setLoadError('This address has no access token. Open the address the designer printed when it started (it ends in #token=…).');
      return;
    }
    (async () => {
      const designer = await api.designer();
      setInfo(designer);
      setPaletteAction(designer.pack.actions[0]?.id ?? '');
      await reloadObjects();
      const list = await reloadFlows();
      if (list[0]) setFlowId(list[0].id);
    })().catch((error: Error) => setLoadError(error.message));
  }, [reloadObjects, reloadFlows]);

  const saved = flows.find((f) => f.id === flowId);
  const run = flowId ? runs[flowId] : undefined;
  const setRunOf = (id: string, update: (current: RunState | undefined) => RunState | undefined) =>
    setRuns((all) => {
      const next = update(all[id]);
      const { [id]: _old, ...rest } = all;
      return next ? { ...rest, [id]: next } : rest;
    });
  const document: FlowDocument | undefined = flowId ? drafts[flowId] ?? saved?.document : undefined;
  const dirty = flowId !== undefined && drafts[flowId] !== undefined;
  const placed = useMemo(() => (document ? flatten(document.steps) : []), [document]);
  const selected = stepPath ? placed.find((p) => p.where === whereOf(stepPath)) : undefined;
  const selectedAction = selected?.step.action ? info?.pack.actions.find((a) => a.id === selected.step.action) : undefined;
  const allFlowIds = [...flows.map((f) => f.id), ...Object.keys(drafts).filter((id) => !flows.some((f) => f.id === id))];

  const choicesFor = useCallback(
    (type: string) => (info && document && stepPath ? connectionChoices(type, objects, info, document, stepPath) : []),
    [info, document, stepPath, objects],
  );

  const updateDraft = (id: string, next: FlowDocument) => {
    setDrafts((current) => ({ ...current, [id]: next }));
    setSaveState(undefined);
  };

  // A confirmation stays until the next panel opens.
  useEffect(() => {
    if (dialog) setNotice(undefined);
  }, [dialog]);

  // Problems follow the draft: the server parses it as `flow-tripletex run` would.
  useEffect(() => {
    if (!flowId || !document || document.steps.length === 0) {
      setProblems([]);
      return;
    }
    const timer = setTimeout(() => {
      api.validateFlow(flowId, document).then(setProblems, () => undefined);
    }, 250);
    return () => clearTimeout(timer);
  }, [flowId, document]);

  const saveFlow = async () => {
    if (!flowId || !document) return;
    setSaveState('Saving…');
    try {
      await api.saveFlow(flowId, document);
      await reloadFlows();
      setDrafts(({ [flowId]: _saved, ...rest }) => rest);
      setSaveState(`Saved ${flowId}.`);
      await reloadObjects();
    } catch (error) {
      if (error instanceof ApiError) setProblems(error.problems);
      setSaveState(`Not saved: ${(error as Error).message}`);
    }
  };

  const startRun = async (mode: RunMode = 'fresh') => {
    if (!flowId || !document || !info) return;
    const id = flowId;
    setRunOf(id, () => newRun(id, document.name));
    // The rows table shows the fields the Fields input names (or the row's, for *), as they load.
    for (const placed of flatten(document.steps)) {
      const action = info.pack.actions.find((a) => a.id === placed.step.action);
      const stepId = placed.step.id;
      if (!action || !stepId) continue;
      void columnsForStep(action, placed.step).then(
        (columns) => columns && setRunOf(id, (current) => (current ? { ...current, columns: { ...current.columns, [stepId]: columns } } : current)),
        () => undefined,
      );
    }
    try {
      await streamRun(id, document, (event) => setRunOf(id, (current) => applyEvent(current ?? newRun(id, document.name), event)), mode);
    } catch (error) {
      setRunOf(id, (current) => ({ ...(current ?? newRun(id, document.name)), status: 'refused', message: (error as Error).message, ...(error instanceof ApiError ? { problems: error.problems } : {}) }));
    }
  };

  const cancelRun = async () => {
    if (!flowId || !run?.runId) return;
    const runId = run.runId;
    setRunOf(flowId, (current) => (current ? { ...current, cancelling: true } : current));
    await api.cancelRun(runId).catch(() => undefined);
  };

  const newFlow = () => {
    let n = 1;
    while (allFlowIds.includes(`flow-${n}.flow.json`)) n++;
    const id = `flow-${n}.flow.json`;
    updateDraft(id, { flowFormat: 1, name: `New flow ${n}`, steps: [] });
    setFlowId(id);
    setStepPath(undefined);
  };

  const addStep = () => {
    const action = info?.pack.actions.find((a) => a.id === paletteAction);
    if (!action || !flowId || !document) return;
    const step: StepDocument = { id: newStepId(document, action), action: action.id, inputs: {} };
    updateDraft(flowId, { ...document, steps: [...document.steps, step] });
    setStepPath(['steps', document.steps.length]);
  };

  const onObjectSaved = async (name: string, previousName: string | undefined, confirmation: string) => {
    await reloadObjects();
    if (previousName) {
      await reloadFlows();
      setDrafts((current) => Object.fromEntries(Object.entries(current).map(([id, doc]) => [id, renameReferences(doc, previousName, name)])));
    }
    const returnTo = dialog?.returnTo;
    if (returnTo) {
      const base = drafts[returnTo.flowId] ?? flows.find((f) => f.id === returnTo.flowId)?.document;
      const step = base ? stepAt(base, returnTo.path) : undefined;
      if (base && step) updateDraft(returnTo.flowId, withStep(base, returnTo.path, { ...step, inputs: { ...(step.inputs ?? {}), [returnTo.input]: { $workspace: name } } }));
    }
    // Saved: the panel closes and the page says so (the Connection dropdown shows the object).
    setDialog(undefined);
    setNotice(confirmation);
  };

  if (loadError) {
    return (
      <main className="load-error">
        <h1>flow-tripletex designer</h1>
        <p role="alert">{loadError}</p>
      </main>
    );
  }
  if (!info) return <p className="loading">Loading the designer…</p>;

  const dialogType = dialog ? info.pack.objectTypes.find((t) => t.type === dialog.type) : undefined;
  const dialogObject = dialog?.name ? objects.find((o) => o.name === dialog.name) : undefined;
  const flowProblems = problems.filter((p) => !placed.some((s) => p.field.startsWith(s.where)));

  return (
    <div className="designer">
      <header className="top">
        <h1>
          {info.pack.name} <span className="muted">designer</span>
        </h1>
        <p className="environment">
          {info.simulator ? (
            <>
              <span className="badge sim">Simulator</span> Tripletex is the local simulator: production {info.environments.production}, test {info.environments.test}
            </>
          ) : (
            <>
              <span className="badge live">Tripletex</span> production {info.environments.production} · test {info.environments.test}
            </>
          )}
        </p>
        <p className="notice" role="status" aria-live="polite" aria-label="Notice">
          {notice}
        </p>
      </header>
      <div className="layout">
        <nav className="sidebar" aria-label="Workspace and flows">
          <section aria-labelledby="objects-title">
            <h2 id="objects-title">Workspace Objects</h2>
            {info.pack.objectTypes.map((type) => (
              <div key={type.type} className="object-type">
                <h3>{type.title}</h3>
                <ul aria-label={`${type.title} objects`}>
                  {objects
                    .filter((o) => o.type === type.type)
                    .map((o) => (
                      <li key={o.name}>
                        <button type="button" className="link" onClick={() => setDialog({ type: type.type, name: o.name, session: ++openings })}>
                          {o.name}
                        </button>
                      </li>
                    ))}
                </ul>
                <button type="button" className="secondary" onClick={() => setDialog({ type: type.type, session: ++openings })}>
                  New {type.title}
                </button>
              </div>
            ))}
            <p className="muted small">
              Workspace: <code>{info.workspace}</code>
            </p>
          </section>
          <section aria-labelledby="flows-title">
            <h2 id="flows-title">Flows</h2>
            <ul>
              {allFlowIds.map((id) => {
                const name = drafts[id]?.name ?? flows.find((f) => f.id === id)?.document.name ?? id;
                return (
                  <li key={id}>
                    <button
                      type="button"
                      className="link"
                      aria-current={id === flowId ? 'page' : undefined}
                      onClick={() => {
                        setFlowId(id);
                        setStepPath(undefined);
                        setSaveState(undefined);
                      }}
                    >
                      {name}
                      {drafts[id] ? (
                        <span className="unsaved" aria-hidden="true" title="unsaved changes">
                          {' '}
                          •
                        </span>
                      ) : null}
                    </button>
                  </li>
                );
              })}
            </ul>
            {brokenFlows.length > 0 && (
              <ul className="broken-flows" aria-label="Flow files that cannot be opened">
                {brokenFlows.map((b) => (
                  <li key={b.id}>
                    <code>{b.id}</code> <span className="muted small">cannot be opened: it {b.reason}</span>
                  </li>
                ))}
              </ul>
            )}
            <button type="button" className="secondary" onClick={newFlow} disabled={!info.flowsDir}>
              New flow
            </button>
            {!info.flowsDir && <p className="muted small">Start the designer with --flows &lt;dir&gt; to keep flows.</p>}
          </section>
          <section aria-labelledby="actions-title">
            <h2 id="actions-title">Actions</h2>
            <label htmlFor="palette">Action to add</label>
            <select id="palette" value={paletteAction} onChange={(e) => setPaletteAction(e.target.value)}>
              {info.pack.actions.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.category ? `${a.category}: ` : ''}
                  {a.title}
                </option>
              ))}
            </select>
            <button type="button" className="secondary" onClick={addStep} disabled={!document}>
              Add step
            </button>
          </section>
        </nav>
        <main className="canvas">
          {document && flowId ? (
            <>
              <header className="flow-header">
                <div>
                  <h2>{document.name}</h2>
                  {document.description && <p className="description">{document.description}</p>}
                  <p className="muted small">
                    <code>{flowId}</code>
                    {dirty ? ' · unsaved changes' : ''}
                  </p>
                </div>
                <div className="toolbar">
                  <button type="button" className="primary" onClick={() => void startRun()} disabled={document.steps.length === 0 || run?.status === 'running' || run?.status === 'starting'}>
                    Run
                  </button>
                </div>
              </header>
              {flowProblems.length > 0 && (
                <ul className="problems" aria-label="Problems in this flow">
                  {flowProblems.map((p) => (
                    <li key={`${p.field}:${p.message}`}>
                      {p.field} {p.message}
                    </li>
                  ))}
                </ul>
              )}
              <ol className="steps" aria-label="Steps">
                {placed.map((p) => {
                  const stepProblems = problems.filter((x) => x.field.startsWith(p.where));
                  const current = stepPath && whereOf(stepPath) === p.where;
                  return (
                    <li key={p.where} className={`step depth-${p.depth}`}>
                      {p.via && <span className="via">{p.via === 'forEachPage' ? 'For each page →' : 'On Error →'}</span>}
                      <button type="button" className={`step-card${current ? ' selected' : ''}${stepProblems.length ? ' invalid' : ''}`} aria-pressed={current ? true : false} onClick={() => setStepPath(p.path)}>
                        <span className="step-title">{stepTitle(p.step, info)}</span>
                        {p.step.id && <span className="step-id"> {p.step.id}</span>}
                        {stepProblems.length > 0 && <span className="step-warning"> — {plural(stepProblems.length, 'problem')}</span>}
                      </button>
                    </li>
                  );
                })}
              </ol>
              {document.steps.length === 0 && <p className="muted">No steps yet: pick an action under Actions and press Add step.</p>}
            </>
          ) : (
            <p className="muted">No flow is open. {info.flowsDir ? 'Choose one on the left, or make a new one.' : ''}</p>
          )}
          {run && <RunPanel run={run} onCancel={cancelRun} onRun={(mode) => void startRun(mode)} outputSchemaOf={(action) => info.pack.actions.find((a) => a.id === action)?.outputSchema} />}
        </main>
        <aside className="panel" aria-label="Properties">
          {selected ? (
            <StepPanel
              key={`${flowId}:${selected.where}`}
              info={info}
              placed={selected}
              action={selectedAction}
              problems={problems}
              choicesFor={choicesFor}
              onChange={(step) => {
                if (!flowId || !document || sameJson(step, selected.step)) return;
                updateDraft(flowId, withStep(document, selected.path, step));
              }}
              onCreateObject={(type, returnTo) => flowId && setDialog({ type, returnTo: { flowId, path: selected.path, input: returnTo.input }, session: ++openings })}
              onEditObject={(type, name) => setDialog({ type, name, session: ++openings })}
              onSave={saveFlow}
              saveState={saveState}
              dirty={dirty}
            />
          ) : (
            <p className="muted">Select a step to see its properties.</p>
          )}
        </aside>
      </div>
      {dialog && dialogType && (
        <ObjectDialog key={dialog.session} info={info} type={dialogType} object={dialogObject} onSaved={onObjectSaved} onClose={() => setDialog(undefined)} />
      )}
    </div>
  );
}
