import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActionModule, WorkspaceObjectModule } from '../../contract/host.js';
import { displayPath } from './display.js';
import { FileProblemError, UsageError, type Problem } from './errors.js';
import { hostValidator } from './host-schemas.js';
import { readJsonFile } from './json-file.js';
import { annotationKeywords, check, createAjv, isPlainObject, secretPropertyNames, type JsonObject, type ValidateFunction } from './schema-tools.js';

// Loads a pack the way a Flow host does: read manifest.json, check it against the host
// contract's manifest schema, compile the schemas it names (and the files those refer to),
// and import modules only when a command needs them. Nothing here knows about Tripletex.

export interface PortDefinition {
  id: string;
  title: string;
  kind: 'stream' | 'output' | 'error';
  /** What the port carries, when the manifest gives a schema. */
  validate?: ValidateFunction;
}

export interface WorkspaceObjectType {
  type: string;
  title: string;
  schema: JsonObject;
  validate: ValidateFunction;
  labelProperty: string | undefined;
  /** Properties never to print: the schema's secret ones and the manifest's secretProperties. */
  secretProperties: Set<string>;
  load(): Promise<WorkspaceObjectModule>;
}

export interface ActionDefinition {
  id: string;
  title: string;
  inputSchema: JsonObject;
  validateInputs: ValidateFunction;
  validateOutput: ValidateFunction;
  ports: PortDefinition[];
  /** Inputs that take a workspace object (`x-workspace-object-type`), by input name. */
  workspaceObjectInputs: Map<string, string>;
  /** Inputs the schema marks secret (writeOnly, x-secret, format password): their values are never printed. */
  secretInputs: Set<string>;
  /** Top-level output properties the output schema marks secret, likewise. */
  secretOutputs: Set<string>;
  /** The manifest marks it `testable`: its module exports test(inputs, ctx), a step's Test connection. */
  testable: boolean;
  load(): Promise<ActionModule>;
}

export interface Pack {
  manifestPath: string;
  id: string;
  name: string;
  version: string;
  objectTypes: Map<string, WorkspaceObjectType>;
  actions: Map<string, ActionDefinition>;
}

interface ManifestPort {
  id: string;
  title: string;
  kind: PortDefinition['kind'];
  schema?: string;
}

interface Manifest {
  id: string;
  name: string;
  version: string;
  workspaceObjects: { type: string; title: string; schema: string; module: string; labelProperty?: string; secretProperties?: string[] }[];
  actions: { id: string; title: string; inputSchema: string; outputSchema: string; module: string; ports?: ManifestPort[]; testable?: boolean }[];
}

/** Ports a manifest that lists none is taken to have: the contract's continue and onError. */
const DEFAULT_PORTS: ManifestPort[] = [
  { id: 'continue', title: 'Continue', kind: 'output' },
  { id: 'onError', title: 'On Error', kind: 'error' },
];

/** `$ref` values that name another file (not a fragment of the same one). */
function fileRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => fileRefs(item, out));
  else if (isPlainObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(value)) out.push(value.split('#')[0]!);
      else fileRefs(value, out);
    }
  }
  return out;
}

/** A pack's module exists but cannot be imported (a broken build): exit 1, not a usage error. */
export class PackLoadError extends Error {
  readonly kind = 'pack';
  constructor(message: string) {
    super(message);
    this.name = 'PackLoadError';
  }
}

export interface LoadPackOptions {
  /**
   * Called with every secret value the pack reports through its modules' optional
   * `watchSecrets` export (the session tokens it creates, the tokens it was given), so the
   * host's redactor can hide them too (docs/host-contract.md, "Secrets the pack learns").
   */
  onSecret?: (value: string) => void;
}

export async function loadPack(manifestPath: string, options: LoadPackOptions = {}): Promise<Pack> {
  const absolute = resolve(manifestPath);
  const label = displayPath(absolute);
  const raw = await readJsonFile(absolute, label, 'manifest');
  const problems = check(hostValidator('manifest.schema.json'), raw);
  if (problems.length > 0) throw new FileProblemError(label, 'the manifest does not follow the host contract (schemas/manifest.schema.json):', problems);
  const manifest = raw as Manifest;
  const dir = dirname(absolute);

  // Every schema the manifest names, then every file they refer to, each read once.
  const schemas = new Map<string, JsonObject>();
  const missing: Problem[] = [];
  const queue: { file: string; where: string }[] = [];
  manifest.workspaceObjects.forEach((o, i) => queue.push({ file: resolve(dir, o.schema), where: `workspaceObjects[${i}].schema` }));
  manifest.actions.forEach((a, i) => {
    queue.push({ file: resolve(dir, a.inputSchema), where: `actions[${i}].inputSchema` }, { file: resolve(dir, a.outputSchema), where: `actions[${i}].outputSchema` });
    (a.ports ?? []).forEach((p, j) => p.schema && queue.push({ file: resolve(dir, p.schema), where: `actions[${i}].ports[${j}].schema` }));
  });
  while (queue.length > 0) {
    const { file, where } = queue.shift()!;
    if (schemas.has(file)) continue;
    if (!existsSync(file)) {
      missing.push({ field: where, message: `names ${displayPath(file)}, which does not exist` });
      continue;
    }
    const schema = await readJsonFile(file, displayPath(file), 'schema');
    if (!isPlainObject(schema)) throw new FileProblemError(displayPath(file), 'a schema must be a JSON object');
    schemas.set(file, schema);
    for (const ref of fileRefs(schema)) queue.push({ file: resolve(dirname(file), ref), where: `$ref "${ref}" in ${displayPath(file)}` });
  }
  if (missing.length > 0) throw new FileProblemError(label, 'the manifest refers to schemas that are missing:', missing);

  const ajv = createAjv(annotationKeywords([...schemas.values()]));
  const keys = new Map<string, string>();
  for (const [file, schema] of schemas) {
    const key = typeof schema.$id === 'string' ? schema.$id : pathToFileURL(file).href;
    try {
      ajv.addSchema(schema, typeof schema.$id === 'string' ? undefined : key);
    } catch (error) {
      throw new FileProblemError(displayPath(file), `the schema cannot be used: ${(error as Error).message}`);
    }
    keys.set(file, key);
  }
  const validator = (relativePath: string): ValidateFunction => {
    const file = resolve(dir, relativePath);
    try {
      const validate = ajv.getSchema(keys.get(file)!);
      if (!validate) throw new Error('not registered');
      return validate;
    } catch (error) {
      throw new FileProblemError(displayPath(file), `the schema cannot be compiled: ${(error as Error).message}`);
    }
  };
  const importer = <T>(relativeModule: string, owner: string, exportName: 'run' | 'test') => {
    let loaded: Promise<T> | undefined;
    return (): Promise<T> => {
      loaded ??= (async () => {
        const file = resolve(dir, relativeModule);
        if (!existsSync(file)) throw new UsageError(`${owner}: its module ${displayPath(file)} does not exist. If this is the flow-tripletex package, run "npm run build" first.`);
        let module: Record<string, unknown>;
        try {
          module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        } catch (error) {
          throw new PackLoadError(`${owner}: its module ${displayPath(file)} failed to load: ${(error as Error)?.message ?? String(error)}`);
        }
        if (typeof module[exportName] !== 'function') throw new UsageError(`${owner}: its module ${displayPath(file)} does not export a ${exportName}() function`);
        if (options.onSecret && typeof module.watchSecrets === 'function') (module.watchSecrets as (listener: (value: string) => void) => unknown)(options.onSecret);
        return module as T;
      })();
      return loaded;
    };
  };

  const objectTypes = new Map<string, WorkspaceObjectType>();
  for (const o of manifest.workspaceObjects) {
    if (objectTypes.has(o.type)) throw new FileProblemError(label, `workspace object type "${o.type}" is listed twice`);
    const schema = schemas.get(resolve(dir, o.schema))!;
    objectTypes.set(o.type, {
      type: o.type,
      title: o.title,
      schema,
      validate: validator(o.schema),
      labelProperty: o.labelProperty,
      secretProperties: secretPropertyNames(schema, o.secretProperties ?? []),
      load: importer<WorkspaceObjectModule>(o.module, `Workspace object type "${o.type}"`, 'test'),
    });
  }

  const actions = new Map<string, ActionDefinition>();
  for (const a of manifest.actions) {
    if (actions.has(a.id)) throw new FileProblemError(label, `action "${a.id}" is listed twice`);
    const inputSchema = schemas.get(resolve(dir, a.inputSchema))!;
    const workspaceObjectInputs = new Map<string, string>();
    if (isPlainObject(inputSchema.properties)) {
      for (const [name, property] of Object.entries(inputSchema.properties)) {
        const type = isPlainObject(property) ? property['x-workspace-object-type'] : undefined;
        if (typeof type === 'string') workspaceObjectInputs.set(name, type);
      }
    }
    const ports = (a.ports && a.ports.length > 0 ? a.ports : DEFAULT_PORTS).map((p) => ({
      id: p.id,
      title: p.title,
      kind: p.kind,
      ...(p.schema ? { validate: validator(p.schema) } : {}),
    }));
    actions.set(a.id, {
      id: a.id,
      title: a.title,
      inputSchema,
      validateInputs: validator(a.inputSchema),
      validateOutput: validator(a.outputSchema),
      ports,
      workspaceObjectInputs,
      secretInputs: secretPropertyNames(inputSchema),
      secretOutputs: secretPropertyNames(schemas.get(resolve(dir, a.outputSchema))),
      testable: a.testable === true,
      load: importer<ActionModule>(a.module, `Action "${a.id}"`, 'run'),
    });
  }

  return { manifestPath: absolute, id: manifest.id, name: manifest.name, version: manifest.version, objectTypes, actions };
}
