import Form from '@rjsf/core';
import type { UiSchema } from '@rjsf/utils';
import { useId, useMemo } from 'react';
import type { ActionInfo, DesignerInfo, JsonObject, Problem, StepDocument } from './api';
import type { PlacedStep } from './flow-model';
import { errorSchemaOf, inputsFromForm, stepForm, structuralValidator, type ConnectionChoice } from './schema-form';
import { templates } from './templates';
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
  const form = useMemo(() => (action ? stepForm(action, step, { choicesFor: props.choicesFor }) : undefined), [action, step, props.choicesFor]);
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
    const parts = [handler?.writeRowsTo ? `rows to ${handler.writeRowsTo}` : '', handler?.steps ? `${handler.steps.length} nested step(s) per page` : ''].filter(Boolean);
    return parts.length > 0 ? parts.join('; ') : 'each page is shown in the run panel';
  }
  if (kind === 'error') return step.onError ? `${step.onError.length} onError step(s) run instead of the rest` : 'not handled: the flow fails';
  return id === 'continue' ? 'on to the next step' : 'output';
}
