import Form from '@rjsf/core';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, ApiError, type DesignerInfo, type JsonObject, type ObjectTypeInfo, type Problem, type WorkspaceObject } from './api';
import { forgetOptions, type LoadSpec, type OptionSource } from './load-options';
import { errorSchemaOf, objectForm, structuralValidator } from './schema-form';
import { templates } from './templates';
import { clientsOf, Verdict, type TestState } from './Verdict';
import { widgets } from './widgets';

// A workspace object's property panel, opened from Workspace Objects or from a Connection
// dropdown ("Create new connection", "Edit"). Test connection runs the pack's test() on the
// server with the values as they are in the panel and saves nothing; Save is allowed whatever
// the test said, and closes the panel (the page confirms it). Closing with edits not saved asks
// first. Test and Save stay at the bottom of the window however long the verdict is. Secrets
// are never sent back here once saved.

export interface ObjectDialogProps {
  info: DesignerInfo;
  type: ObjectTypeInfo;
  /** Absent for a new object. */
  object: WorkspaceObject | undefined;
  onSaved(name: string, previousName: string | undefined, confirmation: string): Promise<void> | void;
  onClose(): void;
}

function withoutSecrets(properties: JsonObject, type: ObjectTypeInfo): JsonObject {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !type.secretProperties.includes(key)));
}

/** The panel's values differ from what it opened with (a default the form filled in is no edit). */
function edited(initial: JsonObject, current: JsonObject, schema: JsonObject): boolean {
  const defaults = ((schema.properties ?? {}) as Record<string, { default?: unknown }>);
  const keys = new Set([...Object.keys(initial), ...Object.keys(current)]);
  for (const key of keys) {
    const before = initial[key] === undefined ? defaults[key]?.default : initial[key];
    const after = current[key] === undefined || current[key] === '' ? (initial[key] === undefined ? defaults[key]?.default : undefined) : current[key];
    if (JSON.stringify(before) !== JSON.stringify(after)) return true;
  }
  return false;
}

/** The simulator's demo users, in words (the kinds are the simulator's: docs/simulator.md). */
const DEMO_USERS: Record<string, string> = {
  employee: 'Demo company, an employee with API access',
  restricted: 'Demo company, a read-only clerk',
  accountant: 'An accounting office with client companies',
  noApiAccess: 'A user without API access',
};

export function ObjectDialog({ info, type, object, onSaved, onClose }: ObjectDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const verdictRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const initial = useMemo(() => withoutSecrets(object?.properties ?? {}, type), [object, type]);
  const [formData, setFormData] = useState<JsonObject>(initial);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checkOnChange, setCheckOnChange] = useState(false);
  const [busy, setBusy] = useState<'test' | 'save' | undefined>();
  const [outcome, setOutcome] = useState<TestState>();
  const [saved, setSaved] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  // After a test that found client companies, their picker loads without waiting to be opened.
  const [lookupsWanted, setLookupsWanted] = useState(false);
  const originalName = object?.name;
  const latest = useRef(formData);
  latest.current = formData;
  const submitted = useCallback((values: JsonObject) => ({ type: type.type, ...(originalName ? { originalName } : {}), properties: values }), [type.type, originalName]);

  const optionSource = useCallback(
    (name: string, spec: LoadSpec): OptionSource => {
      const values = latest.current;
      const depends = spec.dependsOn ?? Object.keys(values).filter((key) => key !== name);
      return {
        spec,
        key: `object:${type.type}:${originalName ?? ''}:${name}:${spec.method}:${JSON.stringify(depends.map((d) => values[d] ?? null))}`,
        eager: lookupsWanted,
        load: () => api.objectOptions({ ...submitted(latest.current), property: name }),
      };
    },
    [type.type, originalName, lookupsWanted, submitted],
  );
  // The form follows the values, so a lookup's key follows what it depends on.
  const { schema, uiSchema } = useMemo(() => objectForm(type, object, optionSource), [type, object, optionSource, formData]);
  const { errors, other } = useMemo(() => errorSchemaOf(problems, schema), [problems, schema]);
  const dirty = edited(initial, formData, type.schema);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  // Once a Test or Save has shown problems, they follow the typing (checked by the server's validator).
  useEffect(() => {
    if (!checkOnChange) return;
    const timer = setTimeout(() => {
      api.validateObject(submitted(formData)).then(setProblems, () => undefined);
    }, 250);
    return () => clearTimeout(timer);
  }, [formData, checkOnChange, submitted]);

  const close = () => {
    if (dirty && !confirming) setConfirming(true);
    else onClose();
  };

  const test = async () => {
    setBusy('test');
    setOutcome(undefined);
    setSaved(undefined);
    try {
      const found = await api.validateObject(submitted(formData));
      setProblems(found);
      setCheckOnChange(true);
      const answer = await api.testObject(submitted(formData));
      if (clientsOf(answer).length > 0) {
        forgetOptions(`object:${type.type}:${originalName ?? ''}:`);
        setLookupsWanted(true);
      }
      setOutcome(answer);
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    } finally {
      setBusy(undefined);
      // The verdict is read where Test was pressed: bring it into the scrolled area.
      requestAnimationFrame(() => verdictRef.current?.scrollIntoView({ block: 'nearest' }));
    }
  };

  const save = async () => {
    setBusy('save');
    setSaved(undefined);
    try {
      const result = await api.saveObject(submitted(formData));
      const renamed = result.renamedFrom ? ` (renamed from "${result.renamedFrom}"${result.updatedFlows.length ? `; ${result.updatedFlows.length === 1 ? '1 flow uses' : `${result.updatedFlows.length} flows use`} the new name` : ''})` : '';
      forgetOptions('step:');
      forgetOptions('object:');
      await onSaved(result.saved, result.renamedFrom, `Saved ${type.title} "${result.saved}"${renamed}.`);
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) {
        setProblems(error.problems);
        setCheckOnChange(true);
      }
      setSaved(`Not saved: ${(error as Error).message}`);
      setBusy(undefined);
    }
  };

  const fillDemoTokens = (environment: 'production' | 'test', kind: string) => {
    const tokens = info.simulator?.tokens[environment];
    const employeeToken = tokens?.employeeTokens[kind];
    if (!tokens || !employeeToken) return;
    setFormData((current) => ({ ...current, consumerToken: tokens.consumerToken, employeeToken, useTestEnvironment: environment === 'test' }));
    setOutcome(undefined);
  };

  const label = object ? `${type.title}: ${object.name}` : `New ${type.title}`;
  const takesTokens = type.secretProperties.length > 0;
  return (
    <dialog
      ref={dialog}
      className="object-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape asks first too, when there are edits.
        event.preventDefault();
        close();
      }}
    >
      <header>
        <h2 id={titleId}>{label}</h2>
        <button type="button" className="close secondary" onClick={close}>
          Close
        </button>
      </header>
      <div className="dialog-body">
        <p className="where">
          Saved in <code>{info.workspace}</code>. Secrets go to <code>{info.secretsFile}</code> (only you can read it), never into the workspace file.
          {object && object.usedBy.length > 0 && <> Used by {object.usedBy.length === 1 ? '1 flow' : `${object.usedBy.length} flows`}: changes apply to each.</>}
        </p>
        {info.simulator && takesTokens && (
          <details className="demo-tokens">
            <summary>Use the simulator's demo tokens</summary>
            <p className="small muted">{info.simulator.note} A button fills in the consumer and employee token of one demo user.</p>
            <ul>
              {(['production', 'test'] as const).flatMap((environment) =>
                Object.keys(info.simulator!.tokens[environment].employeeTokens).map((kind) => (
                  <li key={`${environment}:${kind}`}>
                    <button type="button" className="link" onClick={() => fillDemoTokens(environment, kind)}>
                      {DEMO_USERS[kind] ?? kind} ({environment === 'test' ? 'test environment' : 'production'})
                    </button>
                  </li>
                )),
              )}
            </ul>
          </details>
        )}
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
          onChange={(event) => {
            setFormData((event.formData ?? {}) as JsonObject);
            setConfirming(false);
          }}
        />
        <div ref={verdictRef}>
          <Verdict outcome={outcome} busy={busy === 'test'} />
        </div>
      </div>
      {confirming ? (
        <footer className="confirm" role="alertdialog" aria-label="Discard changes?" aria-describedby={`${titleId}-discard`}>
          <p id={`${titleId}-discard`}>
            <strong>Discard your changes?</strong> What you typed in this panel has not been saved.
          </p>
          <button type="button" className="danger" onClick={onClose}>
            Discard changes
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)} autoFocus>
            Keep editing
          </button>
        </footer>
      ) : (
        <footer>
          <button type="button" onClick={test} disabled={busy !== undefined}>
            Test connection
          </button>
          <button type="button" className="primary" onClick={save} disabled={busy !== undefined}>
            Save
          </button>
          <span className="save-state" role="status" aria-live="polite">
            {busy === 'save' ? 'Saving…' : saved ?? (dirty ? 'Not saved yet.' : '')}
          </span>
        </footer>
      )}
    </dialog>
  );
}
