import { ariaDescribedByIds, type RegistryWidgetsType, type WidgetProps } from '@rjsf/utils';
import { useEffect, useRef, useState } from 'react';
import { looksLikeToken } from '../../host/env-names';
import { api, type OptionChoice, type SecretState, type VariableState } from './api';
import { ChoicesWidget } from './ChoicesWidget';
import { useOptions, type OptionSource } from './load-options';
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
  // The eye: shows what is being typed, to check a pasted token. A saved value is never here to show.
  const [visible, setVisible] = useState(false);
  const hint = secretHint(state);
  const hintId = `${props.id}__secret`;
  const described = [ariaDescribedByIds(props.id), hint ? hintId : ''].filter(Boolean).join(' ');
  const label = typeof props.label === 'string' && props.label ? props.label : 'the value';
  return (
    <div className="secret">
      <div className="secret-row">
      <input
        id={props.id}
        name={props.htmlName ?? props.id}
        type={visible ? 'text' : 'password'}
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
      <button type="button" className="eye secondary" aria-pressed={visible} aria-label={`Show ${label}`} title={visible ? 'Hide what you typed' : 'Show what you typed'} onClick={() => setVisible((v) => !v)}>
        <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
          <path d="M12 5C6.5 5 2.7 9.1 1.5 12c1.2 2.9 5 7 10.5 7s9.3-4.1 10.5-7C21.3 9.1 17.5 5 12 5zm0 11.5A4.5 4.5 0 1 1 12 7.5a4.5 4.5 0 0 1 0 9zm0-7A2.5 2.5 0 1 0 12 14.5 2.5 2.5 0 0 0 12 9.5z" fill="currentColor" />
          {visible ? null : <path d="M3 3l18 18" stroke="currentColor" strokeWidth="2" />}
        </svg>
      </button>
      </div>
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

function variableWords(name: string, state: VariableState | undefined): { text: string; tone: 'ok' | 'bad' | 'muted' } | undefined {
  switch (state) {
    case 'set':
      return { text: `${name} is set in the designer's environment (its value is never shown).`, tone: 'ok' };
    case 'empty':
      return { text: `${name} is set in the designer's environment, but empty: a run would send an empty token.`, tone: 'bad' };
    case 'unset':
      return { text: `${name} is not set in the designer's environment, so a run or test here fails. In the terminal that starts the designer: export ${name}=…, then start the designer again.`, tone: 'bad' };
    default:
      return undefined;
  }
}

/** Whether a variable is set in the designer's environment, asked of the server (never its value). */
function useVariableState(name: string): VariableState | undefined {
  const [state, setState] = useState<{ name: string; state: VariableState }>();
  useEffect(() => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return;
    const timer = setTimeout(() => {
      api.environment([name]).then((answer) => {
        const found = answer.variables[name];
        if (found) setState({ name, state: found });
      }, () => undefined);
    }, 250);
    return () => clearTimeout(timer);
  }, [name]);
  return state?.name === name ? state.state : undefined;
}

/**
 * A secret input of an action: the name of the environment variable that holds it at run time.
 * It says whether the variable is set where the designer runs. A token pasted here instead of a
 * name is recognised and dropped at once: it is never shown, kept in the flow or sent anywhere.
 */
function EnvVariableWidget(props: WidgetProps) {
  const hintId = `${props.id}__env`;
  const stateId = `${props.id}__envstate`;
  const [refused, setRefused] = useState(false);
  const value = typeof props.value === 'string' && !looksLikeToken(props.value) ? props.value : '';
  const variable = useVariableState(value);
  const words = value ? variableWords(value, variable) : undefined;
  const label = typeof props.label === 'string' && props.label ? props.label.toLowerCase() : 'token';
  const example = `MY_TRIPLETEX_${label.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
  return (
    <div className="env-variable">
      <div className="env-row">
        <span className="prefix" aria-hidden="true">
          $
        </span>
        <input
          id={props.id}
          name={props.htmlName ?? props.id}
          type="text"
          spellCheck={false}
          autoComplete="off"
          value={value}
          placeholder="ENVIRONMENT_VARIABLE"
          required={props.required}
          disabled={props.disabled || props.readonly}
          aria-describedby={`${ariaDescribedByIds(props.id)} ${hintId} ${stateId}`}
          aria-invalid={refused || (props.rawErrors && props.rawErrors.length > 0) ? true : undefined}
          onChange={(event) => {
            const typed = event.target.value;
            if (looksLikeToken(typed)) {
              // Not kept: the field goes back to what it held, and the flow never sees the token.
              setRefused(true);
              return;
            }
            setRefused(false);
            props.onChange(typed === '' ? undefined : typed);
          }}
        />
      </div>
      <p id={hintId} className="hint">
        The name of an environment variable that holds it when the flow runs. A secret is never written into a flow.
      </p>
      <p id={stateId} className={`variable-state ${refused ? 'bad' : words?.tone ?? ''}`} role={refused ? 'alert' : undefined} aria-live="polite">
        {refused
          ? `That looks like a token, not the name of an environment variable, so it was not kept. Put the token in a variable in the terminal that starts the designer (export ${example}='…'), start the designer again, and type ${example} here. Or keep it in a Tripletex Connection under Workspace Objects, which stores it in your secrets file.`
          : words?.text}
      </p>
    </div>
  );
}

/** A value another step (or the current page) provides while the flow runs. */
function ReferenceWidget(props: WidgetProps) {
  return <input id={props.id} className="reference" type="text" readOnly value={String(props.value ?? '')} aria-describedby={ariaDescribedByIds(props.id)} />;
}

function parsedObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The keys an object input can take (`x-load-options` on Query: the endpoint's parameters), with
 * their descriptions. When what they depend on changes (another Path is chosen), the keys marked
 * required that the object lacks are added, empty, for the person to fill in.
 */
function ObjectKeys({ source, value, onChange }: { source: OptionSource; value: unknown; onChange(text: string): void }) {
  const { state } = useOptions(source);
  const firstKey = useRef(source.key);
  const filledFor = useRef<string | undefined>(source.key);
  const options = state.status === 'done' ? state.result.options : [];
  const current = parsedObject(value);
  useEffect(() => {
    if (state.status !== 'done' || state.key !== source.key || source.key === filledFor.current) return;
    filledFor.current = source.key;
    if (source.key === firstKey.current) return;
    const object = parsedObject(value);
    const missing = state.result.options.filter((o) => o.required && object && !(String(o.value) in object));
    if (object && missing.length > 0) onChange(JSON.stringify({ ...object, ...Object.fromEntries(missing.map((o) => [String(o.value), ''])) }, null, 2));
  }, [state, source.key, value, onChange]);
  if (state.status !== 'done') return null;
  const required = options.filter((o) => o.required);
  const optional = options.filter((o) => !o.required);
  const add = (option: OptionChoice) => current && onChange(JSON.stringify({ ...current, [String(option.value)]: '' }, null, 2));
  return (
    <div className="object-keys">
      {state.result.message && <p className="small muted">{state.result.message}</p>}
      {required.length > 0 && (
        <ul className="parameters" aria-label="Required parameters">
          {required.map((o) => (
            <li key={String(o.value)}>
              <code>{o.label}</code> <span className="required-word">required</span>
              {o.description ? ` — ${o.description}` : ''}
            </li>
          ))}
        </ul>
      )}
      {optional.length > 0 && (
        <details className="more-parameters">
          <summary>Other parameters ({optional.length})</summary>
          <ul className="parameters">
            {optional.map((o) => (
              <li key={String(o.value)}>
                <button type="button" className="link" disabled={!current || String(o.value) in (current ?? {})} onClick={() => add(o)}>
                  {o.label}
                </button>
                {o.description ? ` — ${o.description}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** An object or array input, as JSON text; with the keys it can take when the schema loads them. */
function JsonWidget(props: WidgetProps) {
  const source = props.options.source as OptionSource | undefined;
  const text = (
    <textarea
      id={props.id}
      name={props.htmlName ?? props.id}
      className="json"
      rows={Math.min(12, Math.max(3, (typeof props.value === 'string' ? props.value : '').split('\n').length))}
      spellCheck={false}
      value={typeof props.value === 'string' ? props.value : ''}
      placeholder='{"name": "value"}'
      disabled={props.disabled || props.readonly}
      aria-describedby={ariaDescribedByIds(props.id)}
      aria-invalid={props.rawErrors && props.rawErrors.length > 0 ? true : undefined}
      onChange={(event) => props.onChange(event.target.value === '' ? undefined : event.target.value)}
    />
  );
  if (!source) return text;
  return (
    <div className="json-with-keys">
      {text}
      <ObjectKeys source={source} value={props.value} onChange={(next) => props.onChange(next)} />
    </div>
  );
}

export const widgets: RegistryWidgetsType = {
  secret: SecretWidget,
  connection: ConnectionWidget,
  envVariable: EnvVariableWidget,
  reference: ReferenceWidget,
  json: JsonWidget,
  choices: ChoicesWidget,
};
