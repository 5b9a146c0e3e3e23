import { resolve as resolvePath } from 'node:path';
import { displayPath } from './display.js';
import { describePath, envValueProblem, findEnvReferences, isEnvReference, pastedValueProblems, resolveEnvReferences, toPointer } from './env-references.js';
import { FileProblemError, UsageError, type Problem } from './errors.js';
import { hostValidator } from './host-schemas.js';
import { readJsonFile } from './json-file.js';
import type { Pack, WorkspaceObjectType } from './pack-loader.js';
import type { Redactor } from './redact.js';
import { isSecretReference, secretReferencePointers } from './secret-store.js';
import { check, isPlainObject, propertySchema, withoutEmptyFormValues, type JsonObject } from './schema-tools.js';
import { registerSecretProperties } from './secret-values.js';

// A workspace file holds the workspace objects (Tripletex connections, …) a command or a flow
// can use by name: { "objects": [ { "type", "properties" } ] }. It is checked as a whole when
// loaded; $env references are filled in when an object is used, so a file that names a
// production token variable still works for a test run that only uses the test connection.
//
// An object has one name. For a type with a label property (a Tripletex Connection's `name`,
// what a designer's dropdown and the pack's logs show) that property is the name; only objects
// of a type without one carry a `name` of their own beside `properties`.

export interface WorkspaceEntry {
  index: number;
  type: string;
  name: string;
  /** As written in the file: $env references unresolved. */
  properties: JsonObject;
}

export interface ResolvedObject {
  entry: WorkspaceEntry;
  objectType: WorkspaceObjectType;
  /** $env references filled in and validated against the type's schema. */
  properties: JsonObject;
}

export class Workspace {
  constructor(
    readonly file: string,
    readonly entries: WorkspaceEntry[],
    readonly pack: Pack,
    /** Advice found while loading (e.g. a token written into the file). */
    readonly warnings: string[],
  ) {}

  get label(): string {
    return displayPath(this.file);
  }

  find(name: string): WorkspaceEntry | undefined {
    return this.entries.find((entry) => entry.name === name);
  }

  /** The object named `name`, ready to hand to a module. Throws a UsageError naming what is wrong. */
  resolve(name: string, options: { env: NodeJS.ProcessEnv; redactor: Redactor; expectedType?: string }): ResolvedObject {
    const entry = this.find(name);
    if (!entry) {
      const known = this.entries.map((e) => `"${e.name}"`).join(', ');
      throw new UsageError(`${this.label} has no workspace object named "${name}"${known ? `; it has ${known}` : '; it has no objects'}`);
    }
    if (options.expectedType && entry.type !== options.expectedType) {
      throw new UsageError(`${this.label}: object "${name}" is a ${entry.type}, but a ${options.expectedType} is needed here`);
    }
    const objectType = this.pack.objectTypes.get(entry.type)!;
    const fromEnv = new Map(findEnvReferences(entry.properties).map((ref) => [toPointer(ref.path), ref.variable]));
    const properties = withoutEmptyFormValues(resolveEnvReferences(entry.properties, {
      env: options.env,
      where: (path) => `${describeObject(entry)}, property ${describePath(path)} in ${this.label}`,
      schemaFor: (path) => propertySchema(objectType.schema, String(path[0])),
    }) as JsonObject, objectType.schema);
    // Before anything can echo them: the secret properties' values, written or from variables.
    registerSecretProperties(options.redactor, properties, objectType.secretProperties);
    const problems = check(objectType.validate, properties).map((p) => {
      const property = p.field.split(/[.[]/)[0]!;
      const variable = fromEnv.get('/' + property);
      const raw = variable === undefined ? undefined : options.env[variable];
      return variable !== undefined && raw !== undefined ? envValueProblem(p, variable, raw, objectType.secretProperties.has(property)) : p;
    });
    if (problems.length > 0) throw new FileProblemError(this.label, `${describeObject(entry)} is invalid:`, problems);
    return { entry, objectType, properties };
  }
}

function describeObject(entry: { index: number; name?: unknown }): string {
  return typeof entry.name === 'string' ? `object "${entry.name}" (objects[${entry.index}])` : `objects[${entry.index}]`;
}

/** A raw object's name as far as it can be told: its label property, else its own `name`. */
function nameInFile(raw: unknown, pack: Pack): string | undefined {
  if (!isPlainObject(raw)) return undefined;
  const label = typeof raw.type === 'string' ? pack.objectTypes.get(raw.type)?.labelProperty : undefined;
  const properties = isPlainObject(raw.properties) ? raw.properties : {};
  if (label && typeof properties[label] === 'string') return properties[label] as string;
  return typeof raw.name === 'string' ? raw.name : undefined;
}

/**
 * The object's one name, or the problem with it: the label property when its type has one (an
 * object-level `name` beside it must say the same, as files written before the two were merged
 * did), else the object's own `name`.
 */
export function objectName(raw: { name?: unknown; properties: JsonObject }, objectType: WorkspaceObjectType | undefined): { name: string } | { problem: Problem } {
  const label = objectType?.labelProperty;
  if (!label) {
    if (typeof raw.name === 'string') return { name: raw.name };
    return { problem: { field: 'name', message: `is required: it is the name commands and flows use for the object${objectType ? ` (a ${objectType.type} has no label property to name it)` : ''}` } };
  }
  const value = raw.properties[label];
  if (isEnvReference(value) || isSecretReference(value)) {
    return { problem: { field: label, message: 'is the object\'s name, which --connection and {"$workspace": …} use: write it into the file, not a reference' } };
  }
  if (typeof value !== 'string' || value.trim() === '') return { problem: { field: label, message: 'is required: it is the name commands and flows use for the object' } };
  if (raw.name !== undefined && raw.name !== value) {
    return { problem: { field: 'name', message: `says "${String(raw.name)}" but properties.${label} says "${value}"; an object has one name: remove the object's "name" and keep properties.${label}` } };
  }
  return { name: value };
}

/** Workspace files are written by hand and by forms; a form sends an untouched number field as "". */
function formValues(properties: JsonObject, objectType: WorkspaceObjectType): JsonObject {
  return withoutEmptyFormValues(properties, objectType.schema);
}


/** "objects[0].properties.consumerToken" → object "Demo" (objects[0]), field properties.consumerToken. */
function renameObjectProblems(problems: Problem[], objects: unknown[], nameOf: (raw: unknown) => string | undefined): Problem[] {
  return problems.map((p) => {
    const match = /^objects\[(\d+)\](?:\.(.*))?$/.exec(p.field);
    if (!match) return p;
    const index = Number(match[1]);
    const raw = objects[index];
    const name = nameOf(raw);
    const field = match[2]?.startsWith('properties.') ? match[2].slice('properties.'.length) : match[2];
    return { field: `${describeObject({ index, name })}${field ? `, field ${field}` : ''}`, message: p.message };
  });
}

export async function loadWorkspace(path: string, pack: Pack, redactor: Redactor): Promise<Workspace> {
  const file = resolvePath(path);
  const label = displayPath(file);
  const raw = await readJsonFile(file, label, 'workspace file');
  // Values written into secret properties are registered before anything can echo them, even
  // when the file is refused. For an object whose type is unknown (the file is refused) every
  // top-level string counts, since there is no schema to tell a mistyped token from a name.
  const objects = isPlainObject(raw) && Array.isArray(raw.objects) ? (raw.objects as unknown[]) : [];
  for (const object of objects) {
    const properties = isPlainObject(object) ? object.properties : undefined;
    if (!isPlainObject(object) || !isPlainObject(properties)) continue;
    const type = typeof object.type === 'string' ? pack.objectTypes.get(object.type) : undefined;
    const names = type ? type.secretProperties : Object.keys(properties).filter((key) => typeof properties[key] === 'string');
    registerSecretProperties(redactor, properties, names, (node) => isEnvReference(node) || isSecretReference(node));
    // A token pasted where a variable's name belongs is a secret too.
    pastedValueProblems(properties, () => '', redactor);
  }

  const structural = check(hostValidator('workspace.schema.json'), raw);
  if (structural.length > 0) throw new FileProblemError(label, 'the workspace file is invalid:', renameObjectProblems(structural, objects, (raw) => nameInFile(raw, pack)));

  const entries: WorkspaceEntry[] = [];
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, number>();
  objects.forEach((object, index) => {
    const raw = object as { type: string; name?: string; properties: JsonObject };
    const objectType = pack.objectTypes.get(raw.type);
    const named = objectName(raw, objectType);
    const name = 'name' in named ? named.name : nameInFile(raw, pack);
    const where = describeObject({ index, name });
    if (!objectType) {
      problems.push({ field: `${where}, field type`, message: `"${raw.type}" is not a workspace object type of ${pack.name}; known: ${[...pack.objectTypes.keys()].join(', ')}` });
      return;
    }
    const properties = formValues(raw.properties, objectType);
    // $env and $secret values are unknown until the object is used: their fields are skipped here.
    const holes = [...findEnvReferences(properties).map((ref) => toPointer(ref.path)), ...secretReferencePointers(properties)];
    const schemaProblems = check(objectType.validate, properties, { holes });
    for (const p of schemaProblems) problems.push({ field: `${where}, field ${p.field}`, message: p.message });
    for (const p of pastedValueProblems(properties, (path) => `${where}, field ${describePath(path)}.$env`)) problems.push(p);
    if ('problem' in named) {
      if (!schemaProblems.some((p) => p.field === named.problem.field)) problems.push({ field: `${where}, field ${named.problem.field}`, message: named.problem.message });
      return;
    }
    const earlier = seen.get(named.name);
    if (earlier !== undefined) problems.push({ field: where, message: `has the same name as objects[${earlier}]; names must be unique` });
    seen.set(named.name, index);
    for (const key of objectType.secretProperties) {
      if (typeof properties[key] === 'string') warnings.push(`${label}: ${where} has ${key} written into the file; keep secrets out of files with {"$env": "VARIABLE"}`);
    }
    entries.push({ index, type: raw.type, name: named.name, properties });
  });
  if (problems.length > 0) throw new FileProblemError(label, 'the workspace file is invalid:', problems);
  return new Workspace(file, entries, pack, warnings);
}
