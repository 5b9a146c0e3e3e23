import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshProcessState } from '../e2e/support.js';
import { REPO_ROOT } from '../host/helpers.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../tooling/simulator/index.js';
import { startDesigner, type RunningDesigner, type StartDesignerOptions } from '../../tooling/designer/server/start.js';

// The designer in-process for tests: a temporary copy of the example workspace and flows, a
// secrets folder of its own (XDG_CONFIG_HOME), and a simulator the test controls. The
// process environment the designer changes is put back by stop().

export interface DesignerFixture {
  designer: RunningDesigner;
  simulator: RunningSimulator;
  dir: string;
  workspaceFile: string;
  flowsDir: string;
  configDir: string;
  outDir: string;
  /** The API with the access token, as the page calls it. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/** A paging flow over every customer of a workspace connection, 100 rows a page. */
export const ALL_CUSTOMERS_FLOW = {
  flowFormat: 1,
  name: 'All customers, page by page',
  description: 'REST API Request with paging over /customer with the workspace connection "Demo company".',
  steps: [
    {
      id: 'customers',
      action: 'rest-api-request-with-paging',
      inputs: { connection: { $workspace: 'Demo company' }, path: '/customer', fields: 'id,name,email', sorting: 'id', itemsPerPage: 100 },
    },
  ],
};

export async function startDesignerFixture(options: { simulator?: SimulatorOptions; designer?: Partial<StartDesignerOptions> } = {}): Promise<DesignerFixture> {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'flow-tripletex-designer-'));
  const workspaceDir = join(dir, 'workspace');
  const flowsDir = join(workspaceDir, 'flows');
  const configDir = join(dir, 'config');
  const outDir = join(dir, 'output');
  mkdirSync(flowsDir, { recursive: true });
  copyFileSync(join(REPO_ROOT, 'examples', 'demo.workspace.json'), join(workspaceDir, 'workspace.json'));
  for (const file of readdirSync(join(REPO_ROOT, 'examples', 'flows'))) copyFileSync(join(REPO_ROOT, 'examples', 'flows', file), join(flowsDir, file));
  writeFileSync(join(flowsDir, 'all-customers.flow.json'), JSON.stringify(ALL_CUSTOMERS_FLOW, null, 2));
  process.env.XDG_CONFIG_HOME = configDir;
  const simulator = await startSimulator({ seed: 1, dataYear: 2025, ...options.simulator });
  freshProcessState();
  let designer: RunningDesigner;
  try {
    designer = await startDesigner({ workspace: join(workspaceDir, 'workspace.json'), flows: flowsDir, outDir, simulator, ...options.designer });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const base = `http://127.0.0.1:${designer.port}`;
  return {
    designer,
    simulator,
    dir,
    workspaceFile: join(workspaceDir, 'workspace.json'),
    flowsDir,
    configDir,
    outDir,
    async call(method, path, body) {
      const response = await fetch(base + path, {
        method,
        headers: { 'x-designer-token': designer.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // NDJSON or plain text: left as text.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async stop() {
      await designer.close();
      await simulator.close();
      freshProcessState();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    },
  };
}

/** Every file under dir, with its text (for "no token in clear" checks). */
export function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, text: readFileSync(path, 'utf8') });
  }
  return out;
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}
