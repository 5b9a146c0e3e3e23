import { readFile } from 'node:fs/promises';
import { describePath, isEnvReference, pastedValueProblems, resolveEnvReferences } from '../../host/env-references.js';
import { FileProblemError, UsageError, type Problem } from '../../host/errors.js';
import { withFileLocks } from '../../host/file-lock.js';
import { writeFileReplacing } from '../../host/safe-files.js';
import type { Pack, WorkspaceObjectType } from '../../host/pack-loader.js';
import type { Redactor } from '../../host/redact.js';
import { check, isPlainObject, propertySchema, type JsonObject } from '../../host/schema-tools.js';
import { isSecretReference, secretReferencePointers, type SecretStore } from '../../host/secret-store.js';
import { loadWorkspace, objectName, type Workspace } from '../../host/workspace-file.js';
import { registerSecretProperties } from '../../host/secret-values.js';

// The designer's side of the workspace file: the objects as the page may see them (secret
// values never leave the server), and saving an edited object. A secret typed into the page
// goes to the user's secrets file and the workspace gets {"$secret": id} in its place, so the
// workspace file can be shared and committed.

/** Where a secret property's value comes from; the value itself is never sent to the page. */
export type SecretState =
  | { source: 'stored' }
  | { source: 'env'; variable: string }
  | { source: 'file' }
  | { source: 'none' };

export interface PublicObject {
  type: string;
  name: string;
  /** The properties without the secret ones. */
  properties: JsonObject;
  secrets: Record<string, SecretState>;
}

export interface SubmittedObject {
  type: string;
  /** The name the object had when the panel opened; absent for a new object. */
  originalName?: string;
  /** Used when the type has no labelProperty. */
  name?: string;
  /**
   * The panel's values. A secret property that is absent keeps the saved value; a string
   * replaces it; {"$env": "VARIABLE"} makes it come from the environment.
   */
  properties: JsonObject;
}

interface RawWorkspace {
  [key: string]: unknown;
  objects: { type: string; name?: string; properties: JsonObject; [key: string]: unknown }[];
}

export class BadRequestError extends UsageError {
  constructor(
    message: string,
    readonly problems: Problem[] = [],
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

export class WorkspaceObjects {
  constructor(
    readonly file: string,
    private readonly pack: Pack,
    private readonly secrets: SecretStore,
    private readonly redactor: Redactor,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Loads and checks the file the way the CLI does (every run and test goes through this). */
  load(): Promise<Workspace> {
    return loadWorkspace(this.file, this.pack, this.redactor);
  }

  private async readRaw(): Promise<RawWorkspace> {
    await this.load();
    const raw = JSON.parse(await readFile(this.file, 'utf8')) as RawWorkspace;
    return raw;
  }

  async list(): Promise<PublicObject[]> {
    const raw = await this.readRaw();
    return raw.objects.map((object) => this.publicView(object));
  }

  private typeOf(type: string): WorkspaceObjectType {
    const objectType = this.pack.objectTypes.get(type);
    if (!objectType) throw new BadRequestError(`"${type}" is not a workspace object type of ${this.pack.name}`, [{ field: 'type', message: 'is not a known workspace object type' }]);
    return objectType;
  }

  /** The object's one name (the loader has checked that it has one). */
  private nameOf(object: RawWorkspace['objects'][number]): string {
    const named = objectName(object, this.pack.objectTypes.get(object.type));
    return 'name' in named ? named.name : '';
  }

  private publicView(object: RawWorkspace['objects'][number]): PublicObject {
    const objectType = this.typeOf(object.type);
    const properties: JsonObject = {};
    const secrets: Record<string, SecretState> = {};
    for (const [key, value] of Object.entries(object.properties)) {
      if (!objectType.secretProperties.has(key)) properties[key] = value;
    }
    for (const key of objectType.secretProperties) {
      const value = object.properties[key];
      if (isSecretReference(value)) secrets[key] = { source: 'stored' };
      else if (isEnvReference(value)) secrets[key] = { source: 'env', variable: value.$env };
      else if (value !== undefined) secrets[key] = { source: 'file' };
      else secrets[key] = { source: 'none' };
    }
    return { type: object.type, name: this.nameOf(object), properties, secrets };
  }

  private find(raw: RawWorkspace, type: string, name: string | undefined) {
    if (name === undefined) return undefined;
    const index = raw.objects.findIndex((o) => this.nameOf(o) === name);
    if (index < 0) throw new BadRequestError(`The workspace has no object named "${name}" (it may have been renamed or removed); reload the page`, [], 404);
    if (raw.objects[index]!.type !== type) throw new BadRequestError(`Object "${name}" is a ${raw.objects[index]!.type}, not a ${type}`);
    return { index, object: raw.objects[index]! };
  }

  /** The panel's values with the saved secrets filled in: what Test connection tests. Saves nothing. */
  async forTest(submitted: SubmittedObject): Promise<{ objectType: WorkspaceObjectType; properties: JsonObject }> {
    const objectType = this.typeOf(submitted.type);
    const pasted = pastedValueProblems(submitted.properties, describePath, this.redactor);
    if (pasted.length > 0) throw new BadRequestError(`${objectType.title} was not tested: fix the fields marked`, pasted);
    const raw = await this.readRaw();
    const existing = this.find(raw, submitted.type, submitted.originalName);
    const merged: JsonObject = {};
    for (const [key, value] of Object.entries(submitted.properties)) if (value !== undefined) merged[key] = value;
    for (const key of objectType.secretProperties) {
      if (merged[key] === undefined && existing?.object.properties[key] !== undefined) merged[key] = existing.object.properties[key];
      if (typeof merged[key] === 'string') this.redactor.add(merged[key]);
    }
    const properties = resolveEnvReferences(merged, {
      env: this.env,
      where: (path) => `property ${String(path[0])}`,
      schemaFor: (path) => propertySchema(objectType.schema, String(path[0])),
    }) as JsonObject;
    registerSecretProperties(this.redactor, properties, objectType.secretProperties);
    return { objectType, properties };
  }

  /** What Save would say about the panel's values, without saving: the pack's schema, the name, uniqueness. */
  async validate(submitted: SubmittedObject): Promise<Problem[]> {
    return (await this.prepare(submitted)).problems;
  }

  /**
   * Validates and writes the object; returns its name and the name it had (for renames). The
   * workspace and the secrets file are locked for the whole read-change-write, in this process
   * and across processes, so concurrent saves queue instead of losing each other's changes.
   * New secrets are stored before the workspace refers to them and replaced ones removed after,
   * so a {"$secret"} the workspace holds always resolves, even if the save stops half-way.
   */
  async save(submitted: SubmittedObject): Promise<{ name: string; previousName?: string }> {
    this.secrets.ensureFolder(true);
    return withFileLocks([this.file, this.secrets.file], () => this.saveLocked(submitted));
  }

  private async saveLocked(submitted: SubmittedObject): Promise<{ name: string; previousName?: string }> {
    const { objectType, raw, existing, properties, newSecrets, replacedIds, problems, name } = await this.prepare(submitted);
    if (problems.length > 0) throw new BadRequestError(`${objectType.title} was not saved: fix the fields marked`, problems, problems.some((p) => p.message.startsWith('is already the name')) ? 409 : 400);
    for (const [key, value] of newSecrets) properties[key] = this.secrets.put(value);
    // One name: a type with a label property is named by it, and no second name is written.
    const { name: _old, ...kept } = existing?.object ?? {};
    const entry = { ...kept, type: submitted.type, ...(objectType.labelProperty ? {} : { name: name! }), properties: orderLike(objectType, properties) };
    const previousName = existing ? this.nameOf(existing.object) : undefined;
    if (existing) raw.objects[existing.index] = entry;
    else raw.objects.push(entry);
    await this.writeRaw(raw);
    for (const id of replacedIds) this.secrets.delete(id);
    return { name: name!, ...(previousName !== undefined && previousName !== name ? { previousName } : {}) };
  }

  private async prepare(submitted: SubmittedObject) {
    const objectType = this.typeOf(submitted.type);
    const raw = await this.readRaw();
    const existing = this.find(raw, submitted.type, submitted.originalName);
    const properties: JsonObject = {};
    for (const [key, value] of Object.entries(submitted.properties)) {
      if (value !== undefined && !objectType.secretProperties.has(key)) properties[key] = value;
    }
    // Secrets: absent keeps the saved one, a string replaces it, {"$env"} points to a variable.
    const newSecrets = new Map<string, string>();
    const replacedIds: string[] = [];
    for (const key of objectType.secretProperties) {
      const value = submitted.properties[key];
      const before = existing?.object.properties[key];
      if (typeof value === 'string' && value !== '') {
        this.redactor.add(value);
        newSecrets.set(key, value);
        if (isSecretReference(before)) replacedIds.push(before.$secret);
      } else if (isEnvReference(value)) {
        properties[key] = { $env: value.$env };
        if (isSecretReference(before)) replacedIds.push(before.$secret);
      } else if (before !== undefined) {
        if (typeof before === 'string') {
          // A token someone wrote into the file in clear: the designer moves it out on save.
          this.redactor.add(before);
          newSecrets.set(key, before);
        } else properties[key] = before;
      }
    }
    // Checked with the pack's schema; secret values stand in until they are stored.
    const candidate: JsonObject = { ...properties, ...Object.fromEntries(newSecrets) };
    const holes = [...Object.entries(candidate).filter(([, v]) => isEnvReference(v)).map(([k]) => `/${k}`), ...secretReferencePointers(candidate)];
    const problems = check(objectType.validate, candidate, { holes });
    // A token pasted where a variable's name belongs is refused, and never written.
    problems.push(...pastedValueProblems(submitted.properties, describePath, this.redactor));
    const label = objectType.labelProperty;
    const name = label && typeof candidate[label] === 'string' ? (candidate[label] as string).trim() : submitted.name?.trim();
    if (!name && !problems.some((p) => p.field === (label ?? 'name'))) problems.push({ field: label ?? 'name', message: 'is required: it is the name flows use for the object' });
    const clash = raw.objects.findIndex((o) => this.nameOf(o) === name);
    if (name && clash >= 0 && clash !== existing?.index) problems.push({ field: label ?? 'name', message: `is already the name of another workspace object ("${name}"); names must be unique` });
    return { objectType, raw, existing, properties, newSecrets, replacedIds, problems, name };
  }

  private async writeRaw(raw: RawWorkspace): Promise<void> {
    writeFileReplacing(this.file, JSON.stringify(raw, null, 2) + '\n');
    // The host's own loader must accept what was written; if not, say so now, not at the next run.
    try {
      await this.load();
    } catch (error) {
      if (error instanceof FileProblemError) throw new BadRequestError(`The workspace file was written but does not load: ${error.message}`, error.problems, 500);
      throw error;
    }
  }
}

/** Properties in the schema's x-order, so a saved file reads like the panel. */
function orderLike(objectType: WorkspaceObjectType, properties: JsonObject): JsonObject {
  const schemaProperties = isPlainObject(objectType.schema.properties) ? objectType.schema.properties : {};
  const rank = (key: string) => {
    const property = schemaProperties[key];
    const order = isPlainObject(property) ? property['x-order'] : undefined;
    return typeof order === 'number' ? order : Number.MAX_SAFE_INTEGER;
  };
  return Object.fromEntries(Object.entries(properties).sort(([a], [b]) => rank(a) - rank(b)));
}
