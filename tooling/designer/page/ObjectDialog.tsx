import Form from '@rjsf/core';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, ApiError, type DesignerInfo, type JsonObject, type ObjectTypeInfo, type Problem, type TestOutcome, type WorkspaceObject } from './api';
import { errorSchemaOf, objectForm, structuralValidator } from './schema-form';
import { templates } from './templates';
import { widgets } from './widgets';

// A workspace object's property panel, opened from Workspace Objects or from a Connection
// dropdown ("Create new connection", "Edit"). Test connection runs the pack's test() on the
// server with the values as they are in the panel and saves nothing; Save is allowed whatever
// the test said. Secrets are never sent back here once saved.

export interface ObjectDialogProps {
  info: DesignerInfo;
  type: ObjectTypeInfo;
  /** Absent for a new object. */
  object: WorkspaceObject | undefined;
  onSaved(name: string, previousName: string | undefined): Promise<void> | void;
  onClose(): void;
}

function withoutSecrets(properties: JsonObject, type: ObjectTypeInfo): JsonObject {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !type.secretProperties.includes(key)));
}

export function ObjectDialog({ info, type, object, onSaved, onClose }: ObjectDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [formData, setFormData] = useState<JsonObject>(() => withoutSecrets(object?.properties ?? {}, type));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checkOnChange, setCheckOnChange] = useState(false);
  const [busy, setBusy] = useState<'test' | 'save' | undefined>();
  const [outcome, setOutcome] = useState<TestOutcome | { error: string } | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const originalName = object?.name;
  const { schema, uiSchema } = useMemo(() => objectForm(type, object), [type, object]);
  const { errors, other } = useMemo(() => errorSchemaOf(problems, schema), [problems, schema]);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const submitted = (values: JsonObject) => ({ type: type.type, ...(originalName ? { originalName } : {}), properties: values });

  // Once a Test or Save has shown problems, they follow the typing (checked by the server's validator).
  useEffect(() => {
    if (!checkOnChange) return;
    const timer = setTimeout(() => {
      api.validateObject(submitted(formData)).then(setProblems, () => undefined);
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [formData, checkOnChange]);

  const test = async () => {
    setBusy('test');
    setOutcome(undefined);
    setSaved(undefined);
    try {
      const found = await api.validateObject(submitted(formData));
      setProblems(found);
      setCheckOnChange(true);
      setOutcome(await api.testObject(submitted(formData)));
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    setBusy('save');
    setSaved(undefined);
    try {
      const result = await api.saveObject(submitted(formData));
      setProblems([]);
      setCheckOnChange(false);
      setFormData((current) => withoutSecrets(current, type));
      setSaved(result.renamedFrom ? `Saved. Renamed from "${result.renamedFrom}"${result.updatedFlows.length ? `; ${result.updatedFlows.length} flow(s) now use the new name` : ''}.` : 'Saved.');
      await onSaved(result.saved, result.renamedFrom);
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) {
        setProblems(error.problems);
        setCheckOnChange(true);
      }
      setSaved(`Not saved: ${(error as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  };

  const label = object ? `${type.title}: ${object.name}` : `New ${type.title}`;
  const result = outcome && 'result' in outcome ? outcome.result : undefined;
  const clients = Array.isArray(result?.clients) ? (result.clients as { id: number; name?: string }[]) : [];
  return (
    <dialog ref={dialog} className="object-dialog" aria-labelledby={titleId} onCancel={onClose}>
      <header>
        <h2 id={titleId}>{label}</h2>
        <button type="button" className="close secondary" onClick={onClose}>
          Close
        </button>
      </header>
      <p className="where">
        Saved in <code>{info.workspace}</code>. Secrets go to <code>{info.secretsFile}</code> (only you can read it), never into the workspace file.
        {object && object.usedBy.length > 0 && <> Used by {object.usedBy.length === 1 ? '1 flow' : `${object.usedBy.length} flows`}: changes apply to each.</>}
      </p>
      {other.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {other.map((p) => (
            <li key={`${p.field}:${p.message}`}>
              {p.field} {p.message}
            </li>
          ))}
        </ul>
      )}
      <Form
        schema={schema}
        uiSchema={uiSchema}
        formData={formData}
        validator={structuralValidator}
        widgets={widgets}
        templates={templates}
        extraErrors={errors}
        showErrorList={false}
        noHtml5Validate
        idPrefix={`object_${type.type}`}
        onChange={(event) => setFormData((event.formData ?? {}) as JsonObject)}
      />
      <div className="verdict-area" role="status" aria-live="polite" aria-label="Test result">
        {busy === 'test' && <p className="pending">Testing…</p>}
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
      <footer>
        <button type="button" onClick={test} disabled={busy !== undefined}>
          Test connection
        </button>
        <button type="button" className="primary" onClick={save} disabled={busy !== undefined}>
          Save
        </button>
        <span className="save-state" role="status" aria-live="polite">
          {busy === 'save' ? 'Saving…' : saved}
        </span>
      </footer>
    </dialog>
  );
}
