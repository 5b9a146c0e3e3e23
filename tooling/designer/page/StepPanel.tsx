import Form from '@rjsf/core';
import type { UiSchema } from '@rjsf/utils';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, type ActionInfo, type DesignerInfo, type JsonObject, type Problem, type StepDocument } from './api';
import type { PlacedStep } from './flow-model';
import { forgetOptions, stepOptionKey, type LoadSpec, type OptionSource } from './load-options';
import { errorSchemaOf, inputsFromForm, stepForm, structuralValidator, type ConnectionChoice } from './schema-form';
import { templates } from './templates';
import { clientsOf, Verdict, type TestState } from './Verdict';
import { widgets } from './widgets';

// The property panel of a flow step: the action's input schema as a form, the Connection
// dropdown where an input takes a workspace object, and the action's ports.

export interface StepPanelProps {
  info: DesignerInfo;
  placed: PlacedStep;
  action: ActionInfo | undefined;
  problems: Problem[];
  choicesFor(type: string): ConnectionChoice[];
  onChange(step: StepDocument): void;
  onCreateObject(type: string, returnTo: { input: string }): void;
  onEditObject(type: string, name: string): void;
  onSave(): void;
  saveState: string | undefined;
  dirty: boolean;
}

export function StepPanel(props: StepPanelProps) {
  const { placed, action, info } = props;
  const step = placed.step;
  const titleId = useId();
  const title = step.title ?? action?.title ?? step.action ?? 'Step';
  const latest = useRef(step);
  latest.current = step;
  const [outcome, setOutcome] = useState<TestState>();
  const [testing, setTesting] = useState(false);
  const optionSource = useCallback(
    (name: string, spec: LoadSpec): OptionSource | undefined => {
      if (!action) return undefined;
      const inputs = latest.current.inputs ?? {};
      const depends = spec.dependsOn ?? Object.keys(inputs);
      // A lookup that needs a connection or a token may call Tripletex: only when the field is opened.
      const talks = !spec.dependsOn || depends.some((d) => action.workspaceObjectInputs[d] !== undefined || action.secretInputs.includes(d));
      return {
        spec,
        key: stepOptionKey(action.id, name, spec, inputs),
        eager: !talks,
        load: () => api.stepOptions(latest.current, name),
      };
    },
    [action],
  );
  const form = useMemo(() => (action ? stepForm(action, step, { choicesFor: props.choicesFor, optionSource }) : undefined), [action, step, props.choicesFor, optionSource]);
  // A verdict is about the inputs it was given: an edit makes it stale.
  const inputsText = JSON.stringify(step.inputs ?? {});
  useEffect(() => setOutcome(undefined), [inputsText]);
  const test = async () => {
    setTesting(true);
    setOutcome(undefined);
    try {
      const answer = await api.testStep(latest.current);
      // Choices that depend on the tokens are asked again with what the test has just seen.
      if (clientsOf(answer).length > 0 && action) forgetOptions(`step:${action.id}:`);
      setOutcome(answer);
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    } finally {
      setTesting(false);
    }
  };
  const uiSchema = useMemo(() => {
    if (!form || !action) return undefined;
    const ui: UiSchema = { ...form.uiSchema };
    for (const input of Object.keys(action.workspaceObjectInputs)) {
      const entry = ui[input] as { 'ui:options'?: Record<string, unknown> } | undefined;
      if (!entry) continue;
      ui[input] = {
        ...entry,
        'ui:options': {
          ...entry['ui:options'],
          onCreate: (type: string) => props.onCreateObject(type, { input }),
          onEdit: (type: string, name: string) => props.onEditObject(type, name),
        },
      };
    }
    return ui;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [form, action]);
  const { errors, other } = useMemo(() => (form ? errorSchemaOf(props.problems, form.schema, `${placed.where}.inputs.`) : { errors: {}, other: props.problems }), [form, props.problems, placed.where]);
  const ownOther = other.filter((p) => p.field.startsWith(placed.where));

  return (
    <section className="step-panel" aria-labelledby={titleId}>
      <header>
        <h2 id={titleId}>{title}</h2>
        <p className="step-meta">
          {action ? (
            <>
              Action <strong>{action.title}</strong>
              {step.id ? (
                <>
                  {' '}
                  · step id <code>{step.id}</code>
                </>
              ) : null}
            </>
          ) : (
            `A ${step.log !== undefined ? 'log' : step.appendTo !== undefined ? 'append' : step.fail !== undefined ? 'fail' : ''} step of the reference host's flow format.`
          )}
        </p>
      </header>
      {ownOther.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {ownOther.map((p) => (
            <li key={`${p.field}:${p.message}`}>
              {p.field.slice(placed.where.length).replace(/^\./, '') || 'step'} {p.message}
            </li>
          ))}
        </ul>
      )}
      {form && action ? (
        <Form
          schema={form.schema}
          uiSchema={uiSchema}
          formData={form.formData}
          validator={structuralValidator}
          widgets={widgets}
          templates={templates}
          extraErrors={errors}
          showErrorList={false}
          noHtml5Validate
          idPrefix={`step_${step.id ?? 'x'}`}
          onChange={(event) => props.onChange({ ...step, inputs: inputsFromForm(action, (event.formData ?? {}) as JsonObject, step.inputs ?? {}) })}
        />
      ) : (
        <pre className="step-json">{JSON.stringify(step, null, 2)}</pre>
      )}
      {action?.testable && (
        <div className="step-test">
          <button type="button" onClick={test} disabled={testing}>
            Test connection
          </button>
          <p className="small muted">Tests the connection this step makes, with the environment variables as a run here reads them. Saves nothing.</p>
          <Verdict outcome={outcome} busy={testing} />
        </div>
      )}
      {action && (
        <div className="ports">
          <h3>Ports</h3>
          <ul>
            {action.ports.map((port) => (
              <li key={port.id} className={`port ${port.kind}`}>
                <strong>{port.title}</strong> — {describePort(port.id, port.kind, step)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <footer>
        <button type="button" className="primary" onClick={props.onSave} disabled={!props.dirty}>
          Save
        </button>
        <span className="save-state" role="status" aria-live="polite">
          {props.saveState ?? (props.dirty ? 'Unsaved changes to this flow.' : '')}
        </span>
      </footer>
      {info.pack.actions.length === 0 && <p>This pack has no actions.</p>}
    </section>
  );
}

function describePort(id: string, kind: string, step: StepDocument): string {
  if (kind === 'stream') {
    const handler = step.forEachPage;
    const nested = handler?.steps?.length ?? 0;
    const parts = [handler?.writeRowsTo ? `rows to ${handler.writeRowsTo}` : '', nested > 0 ? `${nested === 1 ? '1 nested step' : `${nested} nested steps`} per page` : ''].filter(Boolean);
    return parts.length > 0 ? parts.join('; ') : 'each page is shown in the run panel';
  }
  if (kind === 'error') {
    const count = step.onError?.length ?? 0;
    return step.onError ? `${count === 1 ? '1 step runs' : `${count} steps run`} instead of the rest` : 'not handled: the flow fails';
  }
  return id === 'continue' ? 'on to the next step' : 'output';
}
