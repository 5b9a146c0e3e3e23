import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { loadPack } from '../../host/pack-loader.js';
import { demoVariables } from '../../host/demo-variables.js';
import { DEFAULT_MANIFEST, EXAMPLES_DIR, HOST_ROOT, HOST_SCHEMAS_DIR } from '../../host/paths.js';
import { Redactor } from '../../host/redact.js';
import { startDesignerServer, type DesignerServer } from './app.js';

// Starting the designer. With a workspace file it works on that file and calls whichever
// Tripletex the environment points at, like every other command. Without one it starts the
// simulator and works on a copy of the example workspace and flows under out/designer/, so a
// fresh clone can click through everything and nothing in examples/ changes.

export interface StartDesignerOptions {
  manifest?: string;
  workspace?: string;
  flows?: string;
  outDir?: string;
  port?: number;
  /** A simulator the caller controls (tests); the designer then starts none. */
  simulator?: RunningSimulator;
  /** Customers in the demo company of the simulator the designer starts. */
  simulatorSize?: number;
  /** Where the copy of the examples goes when no workspace is given. */
  scratchDir?: string;
}

export interface RunningDesigner extends DesignerServer {
  mode: 'simulator' | 'workspace';
  workspaceFile: string;
  flowsDir: string | undefined;
  simulator?: RunningSimulator;
  /** Environment variables the designer set (names only), for the startup message. */
  exported: string[];
}

export const DEFAULT_SIMULATOR_SIZE = 10_000;
const SIMULATOR_DATA_YEAR = 2025;

/** A JSON file copied to another folder, its "$schema" path adjusted to still find the schema. */
function copyWithSchema(from: string, to: string, schemaFile: string): void {
  const document = JSON.parse(readFileSync(from, 'utf8')) as Record<string, unknown>;
  if (typeof document.$schema === 'string') document.$schema = relative(dirname(to), join(HOST_SCHEMAS_DIR, schemaFile)).split('\\').join('/');
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, JSON.stringify(document, null, 2) + '\n');
}

/** The scratch workspace and flows for a run without --workspace; kept between launches. */
function prepareScratch(dir: string, examples: boolean): { workspaceFile: string; flowsDir: string } {
  const workspaceFile = join(dir, 'workspace.json');
  const flowsDir = join(dir, 'flows');
  if (!existsSync(workspaceFile)) {
    if (examples) copyWithSchema(join(EXAMPLES_DIR, 'demo.workspace.json'), workspaceFile, 'workspace.schema.json');
    else {
      mkdirSync(dir, { recursive: true });
      writeFileSync(workspaceFile, JSON.stringify({ objects: [] }, null, 2) + '\n');
    }
  }
  if (!existsSync(flowsDir)) {
    mkdirSync(flowsDir, { recursive: true });
    if (examples) {
      const source = join(EXAMPLES_DIR, 'flows');
      for (const file of readdirSync(source).filter((f) => f.endsWith('.flow.json'))) copyWithSchema(join(source, file), join(flowsDir, file), 'flow.schema.json');
    }
  }
  return { workspaceFile, flowsDir };
}

export async function startDesigner(options: StartDesignerOptions = {}): Promise<RunningDesigner> {
  const manifest = resolve(options.manifest ?? DEFAULT_MANIFEST);
  const redactor = new Redactor();
  // Session tokens the pack creates are hidden in what the page gets, like the tokens typed in.
  const pack = await loadPack(manifest, { onSecret: (value) => redactor.add(value) });
  const ownSimulator = !options.workspace && !options.simulator;
  let simulator = options.simulator;
  const exported: string[] = [];
  try {
    if (ownSimulator) {
      simulator = await startSimulator({
        size: options.simulatorSize ?? DEFAULT_SIMULATOR_SIZE,
        seed: 1,
        dataYear: SIMULATOR_DATA_YEAR,
        latencyMs: { min: 5, max: 25 },
        rateLimit: { limit: 20, windowMs: 1000 },
      });
    }
    if (simulator) {
      // The pack reads its base URLs from the process environment at call time; the example
      // workspace reads the demo tokens from it. Only this process's environment changes.
      for (const [name, value] of Object.entries(demoVariables(simulator))) {
        process.env[name] = value;
        if (!name.endsWith('_URL')) redactor.add(value);
        exported.push(name);
      }
    }
    const isDefaultPack = manifest === resolve(DEFAULT_MANIFEST);
    let workspaceFile: string;
    let flowsDir: string | undefined;
    if (options.workspace) {
      // The file the user named, where a link leads: saves then update it (in a repository, say)
      // rather than replace the link. Resolved once, here; every write then follows no link.
      workspaceFile = existsSync(options.workspace) ? realpathSync(options.workspace) : resolve(options.workspace);
      const beside = join(dirname(resolve(options.workspace)), 'flows');
      flowsDir = options.flows ? resolve(options.flows) : existsSync(beside) ? beside : undefined;
    } else {
      const scratch = prepareScratch(resolve(options.scratchDir ?? join(HOST_ROOT, 'out', 'designer', pack.id)), isDefaultPack);
      workspaceFile = scratch.workspaceFile;
      flowsDir = options.flows ? resolve(options.flows) : scratch.flowsDir;
    }
    const outDir = resolve(options.outDir ?? (options.workspace ? process.cwd() : join(dirname(workspaceFile), 'output')));
    const server = await startDesignerServer({
      pack,
      workspaceFile,
      ...(flowsDir ? { flowsDir } : {}),
      outDir,
      env: process.env,
      redactor,
      environments: {
        production: process.env.TRIPLETEX_PRODUCTION_URL?.trim() || 'https://tripletex.no/v2',
        test: process.env.TRIPLETEX_TEST_URL?.trim() || 'https://api-test.tripletex.tech/v2',
      },
      ...(simulator
        ? { simulator: { tokens: simulator.tokens, note: 'Demo tokens of the local simulator the designer talks to. They are fake and work only there.' } }
        : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    return {
      ...server,
      mode: simulator ? 'simulator' : 'workspace',
      workspaceFile,
      flowsDir,
      ...(simulator ? { simulator } : {}),
      exported,
      close: async () => {
        await server.close();
        if (ownSimulator) await simulator?.close();
      },
    };
  } catch (error) {
    if (ownSimulator) await simulator?.close();
    throw error;
  }
}
