import type { ActionInfo, DesignerInfo, FlowDocument, StepDocument, WorkspaceObject } from './api';
import type { ConnectionChoice } from './schema-form';

// A flow document as the canvas shows it: steps in order, nested ones (For each page, On
// Error) under the step whose port leads to them. A step is addressed by its path in the
// document, which is also how the server names fields in its problems (steps[0].inputs.path).

export type StepPath = (string | number)[];

export interface PlacedStep {
  step: StepDocument;
  path: StepPath;
  /** "steps[0].forEachPage.steps[1]", as the server's problems name it. */
  where: string;
  depth: number;
  /** The port of the step above that leads here, for nested steps. */
  via?: 'forEachPage' | 'onError';
}

export function whereOf(path: StepPath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

export function flatten(steps: StepDocument[], base: StepPath = ['steps'], depth = 0, via?: PlacedStep['via']): PlacedStep[] {
  return steps.flatMap((step, index) => {
    const path = [...base, index];
    const placed: PlacedStep = { step, path, where: whereOf(path), depth, ...(via ? { via } : {}) };
    const nested = [
      ...(step.forEachPage?.steps ? flatten(step.forEachPage.steps, [...path, 'forEachPage', 'steps'], depth + 1, 'forEachPage') : []),
      ...(step.onError ? flatten(step.onError, [...path, 'onError'], depth + 1, 'onError') : []),
    ];
    return [placed, ...nested];
  });
}

export function stepAt(document: FlowDocument, path: StepPath): StepDocument | undefined {
  let node: unknown = document;
  for (const part of path) node = (node as Record<string | number, unknown> | undefined)?.[part];
  return node as StepDocument | undefined;
}

/** A copy of the document with the step at path replaced. */
export function withStep(document: FlowDocument, path: StepPath, step: StepDocument): FlowDocument {
  const copy = structuredClone(document);
  let node: Record<string | number, unknown> = copy as unknown as Record<string, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = step;
  return copy;
}

export function stepTitle(step: StepDocument, info: DesignerInfo): string {
  if (step.action) return step.title ?? info.pack.actions.find((a) => a.id === step.action)?.title ?? step.action;
  if (step.log !== undefined) return `Log: ${step.log}`;
  if (step.appendTo !== undefined) return `Append to ${step.appendTo}`;
  if (step.fail !== undefined) return `Fail: ${step.fail}`;
  return 'Step';
}

/** A step id not used yet in the document, from the action's id. */
export function newStepId(document: FlowDocument, action: ActionInfo): string {
  const used = new Set(flatten(document.steps).map((p) => p.step.id));
  const base = action.id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
  let n = 1;
  while (used.has(`${base}${n}`)) n++;
  return `${base}${n}`;
}

/** The Connection dropdown's choices for a step: workspace objects of the type, and earlier steps that make one. */
export function connectionChoices(type: string, objects: WorkspaceObject[], info: DesignerInfo, document: FlowDocument, current: StepPath): ConnectionChoice[] {
  const choices: ConnectionChoice[] = objects.filter((o) => o.type === type).map((o) => ({ value: `ws:${o.name}`, label: o.name }));
  const currentWhere = whereOf(current);
  for (const placed of flatten(document.steps)) {
    if (placed.where === currentWhere) break;
    const step = placed.step;
    if (!step.action || !step.id) continue;
    for (const output of info.pack.objectOutputs[step.action] ?? []) {
      if (output.type !== type) continue;
      const title = info.pack.actions.find((a) => a.id === step.action)?.title ?? step.action;
      choices.push({ value: `from:${step.id}.${output.output}`, label: `Output of step "${step.id}" (${title})` });
    }
  }
  return choices;
}
