import { useCallback, useEffect, useRef, useState } from 'react';
import type { JsonObject, LoadedOptions, OptionChoice } from './api';

// Choices an input's schema asks the host to load (`x-load-options`, docs/host-contract.md):
// the pack's method fills them on the server. A lookup that may call Tripletex (it depends on a
// connection or a secret) waits until the field is opened; one that only reads what the pack
// ships (paths, query parameters, row fields) loads as soon as what it depends on is set.
// Answers are kept per method and dependency values, so a panel that is drawn again, or the run
// table asking for a step's row fields, does not ask twice.

export interface LoadSpec {
  method: string;
  dependsOn?: string[];
  /** The input is a list of choices joined by this (Fields: "id,name,postalAddress(*)"). */
  separator?: string;
  /** "rows": the choices name the fields of the rows the step's stream port carries. */
  describes?: string;
}

export function loadSpecOf(property: unknown): LoadSpec | undefined {
  if (typeof property !== 'object' || property === null) return undefined;
  const raw = (property as JsonObject)['x-load-options'];
  if (typeof raw === 'string' && raw !== '') return { method: raw };
  if (typeof raw !== 'object' || raw === null) return undefined;
  const spec = raw as JsonObject;
  if (typeof spec.method !== 'string' || spec.method === '') return undefined;
  return {
    method: spec.method,
    ...(Array.isArray(spec.dependsOn) ? { dependsOn: spec.dependsOn.filter((d): d is string => typeof d === 'string') } : {}),
    ...(typeof spec.separator === 'string' && spec.separator !== '' ? { separator: spec.separator } : {}),
    ...(typeof spec.describes === 'string' ? { describes: spec.describes } : {}),
  };
}

const answers = new Map<string, Promise<LoadedOptions>>();

/** The answer for key, asking once. A failed lookup is forgotten, so opening the field asks again. */
export function optionsFor(key: string, load: () => Promise<LoadedOptions>): Promise<LoadedOptions> {
  let answer = answers.get(key);
  if (!answer) {
    answer = load().catch((error: Error) => {
      answers.delete(key);
      return { options: [], message: `The choices could not be loaded: ${error.message}` };
    });
    answers.set(key, answer);
  }
  return answer;
}

/** Forgets the answers whose key starts with prefix (after a Test connection, a save). */
export function forgetOptions(prefix: string): void {
  for (const key of [...answers.keys()]) if (key.startsWith(prefix)) answers.delete(key);
}

/** What the widget gets in its ui:options for an input with load options. */
export interface OptionSource {
  spec: LoadSpec;
  /** Identifies the method and the values it depends on; undefined when a dependency is not set yet. */
  key: string | undefined;
  /** Load as soon as the field is drawn, or only when it is opened. */
  eager: boolean;
  load(): Promise<LoadedOptions>;
}

/** `done` carries the key it answers; while another key loads, the last answer stays shown. */
export type OptionsState = { status: 'idle' } | { status: 'loading' } | { status: 'done'; key: string; result: LoadedOptions };

/** The choices of a source: loaded at once when eager, else when open() is called. */
export function useOptions(source: OptionSource | undefined): { state: OptionsState; open(): void } {
  const [state, setState] = useState<OptionsState>({ status: 'idle' });
  const wanted = useRef(false);
  const key = source?.key;
  const latest = useRef(source);
  latest.current = source;

  const fetchNow = useCallback(() => {
    const current = latest.current;
    if (!current?.key) return;
    const askedFor = current.key;
    setState((before) => (before.status === 'done' ? before : { status: 'loading' }));
    void optionsFor(askedFor, current.load).then((result) => {
      if (latest.current?.key === askedFor) setState({ status: 'done', key: askedFor, result });
    });
  }, []);

  const eager = source?.eager ?? false;
  useEffect(() => {
    setState({ status: 'idle' });
    if (!key) return;
    if (eager || wanted.current) fetchNow();
  }, [key, eager, fetchNow]);

  const open = useCallback(() => {
    wanted.current = true;
    fetchNow();
  }, [fetchNow]);
  return { state, open };
}

/** The cache key of a step input's choices: the method and the values of what it depends on. */
export function stepOptionKey(actionId: string, input: string, spec: LoadSpec, inputs: JsonObject): string {
  const depends = spec.dependsOn ?? Object.keys(inputs);
  return `step:${actionId}:${input}:${spec.method}:${JSON.stringify(depends.map((d) => inputs[d] ?? null))}`;
}

/** The option whose value is `value`, if any. */
export function optionWithValue(options: OptionChoice[], value: unknown): OptionChoice | undefined {
  return options.find((o) => String(o.value) === String(value));
}
