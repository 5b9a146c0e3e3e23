// Types only: the page bundles no code of the pack.
import type { LoadedOptions, OptionChoice } from '../../../contract/host';
// Calls to the designer's server. The access token comes from the address the server printed
// (#token=…, a fragment, so it never reaches a server log or a Referer); it travels in a header.

export interface Problem {
  field: string;
  message: string;
}

export type JsonObject = Record<string, unknown>;

export interface ObjectTypeInfo {
  type: string;
  title: string;
  schema: JsonObject;
  labelProperty: string | null;
  secretProperties: string[];
  docs: string | null;
}

export interface ActionInfo {
  id: string;
  title: string;
  category: string | null;
  docs: string | null;
  inputSchema: JsonObject;
  /** Titles and units of the output's properties (the run panel's summary). */
  outputSchema: JsonObject | null;
  ports: { id: string; title: string; kind: 'stream' | 'output' | 'error' }[];
  workspaceObjectInputs: Record<string, string>;
  secretInputs: string[];
  /** The step has a Test connection of its own (the manifest's `testable`). */
  testable: boolean;
}

/** The choices of an input with `x-load-options`, as the host contract defines them. */
export type { LoadedOptions, OptionChoice };

export type VariableState = 'set' | 'empty' | 'unset' | 'not-a-name' | 'looks-like-a-token';

export interface DesignerInfo {
  pack: {
    id: string;
    name: string;
    version: string;
    description: string;
    manifest: string;
    objectTypes: ObjectTypeInfo[];
    actions: ActionInfo[];
    objectOutputs: Record<string, { output: string; type: string }[]>;
  };
  workspace: string;
  flowsDir: string | null;
  outDir: string;
  secretsFile: string;
  environments: { production: string; test: string };
  simulator: { tokens: SimulatorTokens; note: string } | null;
}

export interface SimulatorTokens {
  production: { consumerToken: string; employeeTokens: Record<string, string> };
  test: { consumerToken: string; employeeTokens: Record<string, string> };
}

export type SecretState = { source: 'stored' } | { source: 'env'; variable: string } | { source: 'file' } | { source: 'none' };

export interface WorkspaceObject {
  type: string;
  name: string;
  properties: JsonObject;
  secrets: Record<string, SecretState>;
  usedBy: string[];
}

export interface FlowEntry {
  id: string;
  document: FlowDocument;
  problems?: Problem[];
}

/** A flow file the server would not open or could not parse: its name and why, never its content. */
export interface BrokenFlow {
  id: string;
  reason: string;
}

export interface FlowDocument {
  $schema?: string;
  flowFormat: 1;
  name: string;
  description?: string;
  steps: StepDocument[];
  [key: string]: unknown;
}

export interface StepDocument {
  id?: string;
  title?: string;
  action?: string;
  inputs?: JsonObject;
  forEachPage?: { writeRowsTo?: string; steps?: StepDocument[] };
  onError?: StepDocument[];
  log?: string;
  appendTo?: string;
  fail?: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

const TOKEN_HEADER = 'x-designer-token';

export function accessToken(): string | undefined {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  return match?.[1];
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { [TOKEN_HEADER]: accessToken() ?? '', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string; problems?: Problem[] } } & T;
  if (!response.ok) throw new ApiError(payload.error?.message ?? `The designer answered ${response.status}`, response.status, payload.error?.problems ?? []);
  return payload;
}

export interface TestOutcome {
  result: { ok: boolean; message: string; [key: string]: unknown };
  log?: { level: string; message: string }[];
}

export interface SubmittedObject {
  type: string;
  originalName?: string;
  properties: JsonObject;
}

export const api = {
  designer: () => call<DesignerInfo>('GET', '/api/designer'),
  objects: () => call<{ objects: WorkspaceObject[] }>('GET', '/api/objects').then((r) => r.objects),
  flows: () => call<{ flows: FlowEntry[]; broken: BrokenFlow[] }>('GET', '/api/flows'),
  testObject: (body: SubmittedObject) => call<TestOutcome>('POST', '/api/objects/test', body),
  validateObject: (body: SubmittedObject) => call<{ problems: Problem[] }>('POST', '/api/objects/validate', body).then((r) => r.problems),
  saveObject: (body: SubmittedObject) => call<{ saved: string; renamedFrom?: string; updatedFlows: string[] }>('POST', '/api/objects', body),
  validateFlow: (flowId: string, document: FlowDocument) => call<{ problems: Problem[] }>('POST', '/api/flows/validate', { flowId, document }).then((r) => r.problems),
  saveFlow: (flowId: string, document: FlowDocument) => call<{ saved: string }>('PUT', `/api/flows/${encodeURIComponent(flowId)}`, document),
  objectOptions: (body: SubmittedObject & { property: string }) => call<LoadedOptions>('POST', '/api/objects/options', body),
  stepOptions: (step: StepDocument, input: string) => call<LoadedOptions>('POST', '/api/steps/options', { step: { action: step.action, inputs: step.inputs ?? {} }, input }),
  testStep: (step: StepDocument) => call<TestOutcome>('POST', '/api/steps/test', { step: { action: step.action, inputs: step.inputs ?? {} } }),
  environment: (names: string[]) => call<{ variables: Record<string, VariableState>; tokens?: number[] }>('POST', '/api/environment', { names }),
  cancelRun: (runId: string) => call<unknown>('POST', `/api/runs/${encodeURIComponent(runId)}/cancel`, {}),
};

/** Starts a run and hands each event to onEvent as it arrives (one JSON object per line). */
export async function streamRun(flowId: string, document: FlowDocument, onEvent: (event: RunEvent) => void, mode: RunMode = 'fresh'): Promise<void> {
  const response = await fetch('/api/runs', {
    method: 'POST',
    headers: { [TOKEN_HEADER]: accessToken() ?? '', 'content-type': 'application/json' },
    body: JSON.stringify({ flowId, document, mode }),
  });
  if (!response.ok || !response.body) {
    const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string; problems?: Problem[] } };
    throw new ApiError(payload.error?.message ?? `The designer answered ${response.status}`, response.status, payload.error?.problems ?? []);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) onEvent(JSON.parse(line) as RunEvent);
    }
  }
}

export interface StepRecord {
  id: string;
  action: string;
  runs: number;
  continued: number;
  failed: number;
  pages: number;
  rows: number;
  output?: unknown;
  error?: { message?: string; [key: string]: unknown };
  port?: 'continue' | 'onError' | 'failed';
}

/** A new run, Continue (from the checkpoints of the files a stopped run wrote), or Start over. */
export type RunMode = 'fresh' | 'resume' | 'overwrite';

/** A file a run left unfinished: where it stopped, and whether Continue can go on from there. */
export interface UnfinishedFile {
  step: string;
  file: string;
  /** Relative to the designer's output folder. */
  name: string;
  lines: number;
  pages: number;
  state: string;
  resumable: true | string;
  /** "stopped in the window 2025-04-03 – 2025-04-25 after 5,000 rows" */
  where: string;
}

export interface FlowResult {
  flow: string;
  status: 'completed' | 'failed' | 'cancelled';
  unfinished?: UnfinishedFile[];
  handledErrors: number;
  failedStep?: string;
  error?: { message?: string; [key: string]: unknown };
  steps: StepRecord[];
  files: { path: string; lines: number }[];
  durationMs: number;
}

export type RunEvent =
  | { type: 'run'; runId: string; flow: string }
  | { type: 'step'; phase: 'start'; stepId: string; action: string; title: string; paging: boolean; connection?: string }
  | { type: 'step'; phase: 'end'; stepId: string; port: string; pages: number; rows: number; output?: unknown; error?: { message?: string } }
  | { type: 'progress'; stepId: string; pages: number; rows: number; requests: number; retries: number; rateLimitWaits: number; waitingMs: number; message?: string }
  | { type: 'rows'; stepId: string; page: number; rows: unknown[]; pageRows: number }
  | { type: 'log'; level: string; message: string }
  | { type: 'done'; result: FlowResult }
  | { type: 'failed'; message: string; problems?: unknown; unfinished?: UnfinishedFile[] };
