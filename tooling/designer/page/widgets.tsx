import { ariaDescribedByIds, type RegistryWidgetsType, type WidgetProps } from '@rjsf/utils';
import type { SecretState } from './api';
import type { ConnectionChoice } from './schema-form';

// The widgets a Flow host draws where a plain input would not do. Each renders a native
// control with the id the form's label points at, so the schema's title is its accessible name.

export const CREATE_NEW = '__create_new__';

function secretHint(state: SecretState): string | undefined {
  switch (state.source) {
    case 'stored':
      return 'A value is set (kept in your secrets file, never shown). Leave empty to keep it, or type a new value to replace it.';
    case 'env':
      return `A value is set: it comes from environment variable ${state.variable}. Leave empty to keep that, or type a value to store instead.`;
    case 'file':
      return 'A value is set, written in clear in the workspace file. Saving moves it to your secrets file.';
    default:
      return undefined;
  }
}

/** A secret: masked, never filled from the server. Empty keeps the saved value. */
function SecretWidget(props: WidgetProps) {
  const state = (props.options.secretState as SecretState | undefined) ?? { source: 'none' };
  const hint = secretHint(state);
  const hintId = `${props.id}__secret`;
  const described = [ariaDescribedByIds(props.id), hint ? hintId : ''].filter(Boolean).join(' ');
  return (
    <div className="secret">
      <input
        id={props.id}
        name={props.htmlName ?? props.id}
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        value={typeof props.value === 'string' ? props.value : ''}
        placeholder={state.source === 'none' ? '' : '•••••••• (value set)'}
        required={props.required && state.source === 'none'}
        disabled={props.disabled || props.readonly}
        aria-describedby={described}
        aria-invalid={props.rawErrors && props.rawErrors.length > 0 ? true : undefined}
        onChange={(event) => props.onChange(event.target.value === '' ? undefined : event.target.value)}
        onBlur={(event) => props.onBlur(props.id, event.target.value)}
        onFocus={(event) => props.onFocus(props.id, event.target.value)}
      />
      {hint && (
        <p id={hintId} className="secret-state">
          {hint}
        </p>
      )}
    </div>
  );
}

/** The Connection dropdown: the workspace's objects of the input's type, earlier steps' outputs, "Create new connection", and Edit. */
function ConnectionWidget(props: WidgetProps) {
  const choices = (props.options.choices as ConnectionChoice[] | undefined) ?? [];
  const onCreate = props.options.onCreate as ((type: string) => void) | undefined;
  const onEdit = props.options.onEdit as ((type: string, name: string) => void) | undefined;
  const type = props.options.objectType as string;
  const value = typeof props.value === 'string' ? props.value : '';
  const objects = choices.filter((c) => c.value.startsWith('ws:'));
  const outputs = choices.filter((c) => c.value.startsWith('from:'));
  const known = choices.some((c) => c.value === value);
  const selectedObject = value.startsWith('ws:') && known ? value.slice(3) : undefined;
  return (
    <div className="connection">
      <select
        id={props.id}
        name={props.htmlName ?? props.id}
        value={value}
        required={props.required}
        disabled={props.disabled || props.readonly}
        aria-describedby={ariaDescribedByIds(props.id)}
        aria-invalid={props.rawErrors && props.rawErrors.length > 0 ? true : undefined}
        onChange={(event) => {
          if (event.target.value === CREATE_NEW) onCreate?.(type);
          else props.onChange(event.target.value === '' ? undefined : event.target.value);
        }}
      >
        <option value="">{objects.length > 0 ? 'Choose a connection…' : 'No connection yet'}</option>
        {!known && value !== '' && <option value={value}>{value.replace(/^ws:/, '')} (not in the workspace)</option>}
        {objects.length > 0 && (
          <optgroup label="Workspace Objects">
            {objects.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </optgroup>
        )}
        {outputs.length > 0 && (
          <optgroup label="From earlier steps in this run">
            {outputs.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </optgroup>
        )}
        <option value={CREATE_NEW}>Create new connection</option>
      </select>
      <button type="button" className="secondary" disabled={!selectedObject} onClick={() => selectedObject && onEdit?.(type, selectedObject)} aria-describedby={`${props.id}__edit`}>
        Edit
      </button>
      <span id={`${props.id}__edit`} className="visually-hidden">
        {selectedObject ? `Edit the connection "${selectedObject}"` : 'Choose a workspace connection to edit it'}
      </span>
    </div>
  );
}

/** A secret input of an action: the name of the environment variable that holds it at run time. */
function EnvVariableWidget(props: WidgetProps) {
  const hintId = `${props.id}__env`;
  return (
    <div className="env-variable">
      <span className="prefix" aria-hidden="true">
        $
      </span>
      <input
        id={props.id}
        name={props.htmlName ?? props.id}
        type="text"
        spellCheck={false}
        value={typeof props.value === 'string' ? props.value : ''}
        placeholder="ENVIRONMENT_VARIABLE"
        required={props.required}
        disabled={props.disabled || props.readonly}
        aria-describedby={`${ariaDescribedByIds(props.id)} ${hintId}`}
        aria-invalid={props.rawErrors && props.rawErrors.length > 0 ? true : undefined}
        onChange={(event) => props.onChange(event.target.value === '' ? undefined : event.target.value)}
      />
      <p id={hintId} className="hint">
        The name of an environment variable that holds it when the flow runs. A secret is never written into a flow.
      </p>
    </div>
  );
}

/** A value another step (or the current page) provides while the flow runs. */
function ReferenceWidget(props: WidgetProps) {
  return <input id={props.id} className="reference" type="text" readOnly value={String(props.value ?? '')} aria-describedby={ariaDescribedByIds(props.id)} />;
}

/** An object or array input, as JSON text. */
function JsonWidget(props: WidgetProps) {
  return (
    <textarea
      id={props.id}
      name={props.htmlName ?? props.id}
      className="json"
      rows={3}
      spellCheck={false}
      value={typeof props.value === 'string' ? props.value : ''}
      placeholder='{"name": "value"}'
      disabled={props.disabled || props.readonly}
      aria-describedby={ariaDescribedByIds(props.id)}
      aria-invalid={props.rawErrors && props.rawErrors.length > 0 ? true : undefined}
      onChange={(event) => props.onChange(event.target.value === '' ? undefined : event.target.value)}
    />
  );
}

export const widgets: RegistryWidgetsType = {
  secret: SecretWidget,
  connection: ConnectionWidget,
  envVariable: EnvVariableWidget,
  reference: ReferenceWidget,
  json: JsonWidget,
};
