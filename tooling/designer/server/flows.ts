import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { looksLikeToken } from '../../host/env-names.js';
import { FileProblemError } from '../../host/errors.js';
import { withFileLocks } from '../../host/file-lock.js';
import { parseJsonText } from '../../host/json-file.js';
import { fileIdentity, readFileInside, writeFileReplacing } from '../../host/safe-files.js';
import { looksLikeSecretsFile } from '../../host/secret-store.js';
import { asReference, parseFlow, type Flow } from '../../host/flow-file.js';
import type { Pack } from '../../host/pack-loader.js';
import type { Redactor } from '../../host/redact.js';
import { isPlainObject } from '../../host/schema-tools.js';
import { BadRequestError } from './workspace-objects.js';

// The flows the designer shows: the *.flow.json files of one folder, in the reference host's
// flow format (docs/flows.md). Every save goes through the same parser as `flow-tripletex run`.
// The folder may come from a cloned repository, so it is read and written as untrusted:
// through safe-files.ts (no link followed out of it, no FIFO opened, writes never through a
// link), and one file that cannot be read or parsed is listed as broken without hiding the rest.

export const FLOW_SUFFIX = '.flow.json';
const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\.flow\.json$/;

export interface FlowSummary {
  id: string;
  /** The file as written ({"$workspace"}, {"$env"} and {"$from"} references unresolved). */
  document: unknown;
  /** Why the host would refuse to run it, when it would. */
  problems?: { field: string; message: string }[];
}

/** A *.flow.json file that was not read, or not understood: shown by name with the reason, never its content. */
export interface BrokenFlow {
  id: string;
  reason: string;
}

export interface FlowFilesOptions {
  /** Files whose content must never reach the page under any name (the secrets file). */
  privateFiles?: string[];
}

export class FlowFiles {
  constructor(
    readonly dir: string | undefined,
    private readonly pack: Pack,
    private readonly redactor: Redactor,
    private readonly options: FlowFilesOptions = {},
  ) {}

  private path(id: string): string {
    if (!this.dir) throw new BadRequestError('The designer was started without a flows folder (--flows <dir>)', [], 404);
    if (!FLOW_ID.test(id)) throw new BadRequestError(`"${id}" is not a flow file name (letters, digits, ., _ and -, ending in ${FLOW_SUFFIX})`);
    return join(this.dir, id);
  }

  async ids(): Promise<string[]> {
    if (!this.dir || !existsSync(this.dir)) return [];
    return (await readdir(this.dir)).filter((f) => FLOW_ID.test(f)).sort();
  }

  /**
   * Reads one flow file as the page may see it: a regular file inside the folder (a link out
   * of it, a FIFO or a device is refused unopened), valid JSON, and not the secrets file.
   */
  private readDocument(id: string): { document: unknown } | { refused: string } {
    const read = readFileInside(this.path(id), this.dir!, { forbidden: (this.options.privateFiles ?? []).map(fileIdentity) });
    if ('refused' in read) return read;
    let document: unknown;
    try {
      document = parseJsonText(read.text, id, 'flow file');
    } catch (error) {
      // The parser's message locates the mistake without quoting the file.
      return { refused: error instanceof FileProblemError ? error.message.replace(`${id}: the flow file `, '') : 'is not valid JSON' };
    }
    if (looksLikeSecretsFile(document)) return { refused: 'is a copy of a secrets file; its content is never shown' };
    return { document };
  }

  /** The folder's flows; one that cannot be read or parsed is listed as broken, and the others still are. */
  async listAll(): Promise<{ flows: FlowSummary[]; broken: BrokenFlow[] }> {
    const flows: FlowSummary[] = [];
    const broken: BrokenFlow[] = [];
    for (const id of await this.ids()) {
      const read = this.readDocument(id);
      if ('refused' in read) {
        broken.push({ id, reason: read.refused });
        continue;
      }
      const raw = read.document;
      // Parsed first, so that a token written into the file is known to the redactor.
      try {
        this.parse(raw, id);
      } catch {
        // Reported below, on the masked copy.
      }
      const document = withoutLiteralSecrets(raw, this.pack);
      try {
        this.parse(document, id);
        flows.push({ id, document });
      } catch (error) {
        flows.push({ id, document, problems: error instanceof FileProblemError ? error.problems : [{ field: '(file)', message: (error as Error).message }] });
      }
    }
    return { flows, broken };
  }

  async list(): Promise<FlowSummary[]> {
    return (await this.listAll()).flows;
  }

  /** Checks a flow document as `flow-tripletex run` would; throws a BadRequestError listing problems. */
  parse(document: unknown, id: string): Flow {
    try {
      return parseFlow(document, id, this.pack, { redactor: this.redactor, warnings: [] });
    } catch (error) {
      if (error instanceof FileProblemError) throw new BadRequestError(`${id}: the flow cannot run`, error.problems);
      throw error;
    }
  }

  /** Writes a flow, queued behind other writes of this process to the folder, never through a link. */
  async save(id: string, document: unknown): Promise<void> {
    const path = this.path(id);
    this.parse(document, id);
    const secretProblems = literalSecrets(document, this.pack);
    if (secretProblems.length > 0) throw new BadRequestError(`${id}: a secret input must come from an environment variable, never be written into the flow`, secretProblems);
    await withFileLocks([this.dir!], async () => writeFileReplacing(path, JSON.stringify(document, null, 2) + '\n'), { acrossProcesses: false });
  }

  /**
   * Points every {"$workspace": from} at `to`: renaming a connection breaks no flow. Returns the
   * files changed. Broken and refused files are left as they are.
   */
  async renameWorkspaceReferences(from: string, to: string): Promise<string[]> {
    if (!this.dir) return [];
    return withFileLocks(
      [this.dir],
      async () => {
        const changed: string[] = [];
        for (const id of await this.ids()) {
          const read = this.readDocument(id);
          if ('refused' in read) continue;
          let count = 0;
          const walk = (node: unknown): unknown => {
            const reference = asReference(node);
            if (reference?.kind === 'workspace' && reference.name === from) {
              count += 1;
              return { $workspace: to };
            }
            if (Array.isArray(node)) return node.map(walk);
            if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
            return node;
          };
          const updated = walk(read.document);
          if (count > 0) {
            writeFileReplacing(this.path(id), JSON.stringify(updated, null, 2) + '\n');
            changed.push(id);
          }
        }
        return changed;
      },
      { acrossProcesses: false },
    );
  }
}

/** Names of the flows that refer to a workspace object, by file. */
export function flowsReferring(flows: FlowSummary[], objectName: string): string[] {
  const out: string[] = [];
  for (const flow of flows) {
    let found = false;
    const walk = (node: unknown): void => {
      const reference = asReference(node);
      if (reference?.kind === 'workspace' && reference.name === objectName) found = true;
      else if (Array.isArray(node)) node.forEach(walk);
      else if (isPlainObject(node)) Object.values(node).forEach(walk);
    };
    walk(flow.document);
    if (found) out.push(flow.id);
  }
  return out;
}

/**
 * The document with every secret input that is written in clear replaced by an empty
 * {"$env": ""}: the page never receives a token, and the panel asks for the variable instead.
 */
function withoutLiteralSecrets(document: unknown, pack: Pack): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isPlainObject(node)) return node;
    const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    const action = typeof node.action === 'string' ? pack.actions.get(node.action) : undefined;
    if (action && isPlainObject(out.inputs)) {
      const inputs = { ...out.inputs };
      for (const name of action.secretInputs) if (typeof inputs[name] === 'string' || tokenAsVariable(inputs[name])) inputs[name] = { $env: '' };
      out.inputs = inputs;
    }
    return out;
  };
  return walk(document);
}

/** {"$env": "eyJ0b2tlbklk…"}: a token pasted where a variable's name belongs. */
function tokenAsVariable(value: unknown): boolean {
  return isPlainObject(value) && typeof value.$env === 'string' && looksLikeToken(value.$env);
}

/** Secret inputs written as literal strings anywhere in a flow document (a token in a variable's place is the flow parser's to refuse). */
function literalSecrets(document: unknown, pack: Pack): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${where}[${i}]`));
    else if (isPlainObject(node)) {
      const action = typeof node.action === 'string' ? pack.actions.get(node.action) : undefined;
      if (action && isPlainObject(node.inputs)) {
        for (const name of action.secretInputs) {
          if (typeof node.inputs[name] === 'string') problems.push({ field: `${where}.inputs.${name}`, message: 'is a secret: give the name of an environment variable that holds it' });
        }
      }
      for (const [key, value] of Object.entries(node)) visit(value, where ? `${where}.${key}` : key);
    }
  };
  visit(document, '');
  return problems;
}
