import { describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPack } from '../../tooling/host/pack-loader.js';
import { DEFAULT_MANIFEST } from '../../tooling/host/paths.js';
import { FAKE_MANIFEST, tempDir, thrown, writeJson } from './helpers.js';

function minimalPack(dir: string, manifest: Record<string, unknown>): string {
  mkdirSync(join(dir, 'schemas'), { recursive: true });
  writeJson(join(dir, 'schemas'), 'obj.schema.json', { type: 'object', properties: { key: { type: 'string', 'x-secret': true } } });
  writeJson(join(dir, 'schemas'), 'in.schema.json', { type: 'object', properties: { x: { type: 'integer' } } });
  writeJson(join(dir, 'schemas'), 'out.schema.json', { type: 'object' });
  return writeJson(dir, 'manifest.json', {
    manifestVersion: 1,
    id: 'mini',
    name: 'Mini',
    version: '0.0.1',
    workspaceObjects: [{ type: 'mini-object', title: 'Mini', schema: 'schemas/obj.schema.json', module: 'obj.mjs' }],
    actions: [{ id: 'act', title: 'Act', inputSchema: 'schemas/in.schema.json', outputSchema: 'schemas/out.schema.json', module: 'act.mjs' }],
    ...manifest,
  });
}

describe('loadPack', () => {
  test('loads the fake pack: object types, actions, ports, secret and workspace-object inputs', async () => {
    const pack = await loadPack(FAKE_MANIFEST);
    expect(pack.id).toBe('fake');
    const connection = pack.objectTypes.get('fake-connection')!;
    expect([...connection.secretProperties]).toEqual(['apiKey']);
    expect(connection.labelProperty).toBe('name');
    expect([...pack.actions.keys()]).toEqual(['make-connection', 'list-pages', 'echo']);
    const listPages = pack.actions.get('list-pages')!;
    expect(listPages.ports.map((p) => `${p.id}:${p.kind}`)).toEqual(['forEachPage:stream', 'continue:output', 'onError:error']);
    expect(listPages.ports[0]!.validate).toBeDefined();
    expect(listPages.workspaceObjectInputs.get('connection')).toBe('fake-connection');
    expect([...pack.actions.get('make-connection')!.secretInputs]).toEqual(['apiKey']);
    // A manifest without ports gets the contract's Continue and On Error.
    expect(pack.actions.get('echo')!.ports.map((p) => p.id)).toEqual(['continue', 'onError']);
  });

  test('compiles schemas that refer to files the manifest does not list', async () => {
    const pack = await loadPack(FAKE_MANIFEST);
    const validate = pack.actions.get('list-pages')!.validateInputs;
    expect(validate({ connection: { type: 'fake-connection', ref: 'fake_7' } })).toBe(true);
    expect(validate({ connection: { type: 'fake-connection', ref: 'nope' } })).toBe(false);
    expect(validate({ connection: { name: 'n', apiKey: 'good-key-1' }, pages: 2 })).toBe(true);
  });

  test('imports a module only when asked, and caches it', async () => {
    const pack = await loadPack(FAKE_MANIFEST);
    const action = pack.actions.get('echo')!;
    const first = await action.load();
    expect(await first.run({ value: 5 }, { signal: new AbortController().signal, log: console, emit: async () => undefined })).toEqual({ value: 5 });
    expect(await action.load()).toBe(first);
  });

  test("loads this package's own manifest and finds the connection input of the paging action", async () => {
    const pack = await loadPack(DEFAULT_MANIFEST);
    expect(pack.id).toBe('tripletex');
    expect([...pack.actions.keys()].sort()).toEqual(['create-tripletex-connection', 'rest-api-request-with-paging']);
    expect(pack.actions.get('rest-api-request-with-paging')!.workspaceObjectInputs.get('connection')).toBe('tripletex-connection');
    expect([...pack.objectTypes.get('tripletex-connection')!.secretProperties].sort()).toEqual(['consumerToken', 'employeeToken']);
    expect([...pack.actions.get('create-tripletex-connection')!.secretInputs].sort()).toEqual(['consumerToken', 'employeeToken']);
  });

  test('refuses a manifest that does not exist', async () => {
    const error = await thrown(() => loadPack(join(tempDir(), 'manifest.json')));
    expect(error.message).toMatch(/manifest does not exist/);
    expect(error.exitCode).toBe(2);
  });

  test('refuses malformed JSON, saying where', async () => {
    const dir = tempDir();
    const path = writeJson(dir, 'manifest.json', '{\n  "id": "x",\n  "name" "y"\n}');
    const error = await thrown(() => loadPack(path));
    expect(error.message).toMatch(/not valid JSON: line 3, column 10/);
  });

  test('refuses a manifest that breaks the host contract, naming the field', async () => {
    const dir = tempDir();
    const path = minimalPack(dir, { actions: undefined, version: 'one' });
    const error = await thrown(() => loadPack(path));
    expect(error.message).toMatch(/does not follow the host contract/);
    expect(error.message).toMatch(/- actions: is required/);
    expect(error.message).toMatch(/- version: does not have the expected form/);
  });

  test('refuses a manifest whose schema files are missing, naming the manifest field', async () => {
    const dir = tempDir();
    const path = minimalPack(dir, {
      actions: [{ id: 'act', title: 'Act', inputSchema: 'schemas/missing.schema.json', outputSchema: 'schemas/out.schema.json', module: 'act.mjs' }],
    });
    const error = await thrown(() => loadPack(path));
    expect(error.message).toMatch(/actions\[0\]\.inputSchema: names .*missing\.schema\.json, which does not exist/);
  });

  test('refuses a schema that uses a keyword ajv does not know', async () => {
    const dir = tempDir();
    const path = minimalPack(dir, {});
    writeJson(join(dir, 'schemas'), 'in.schema.json', { type: 'object', properties: { x: { type: 'integer', frobnicate: true } } });
    const error = await thrown(() => loadPack(path));
    expect(error.message).toMatch(/in\.schema\.json: the schema cannot be (used|compiled).*frobnicate/);
  });

  test('says which module is missing or has no run(), when it is loaded', async () => {
    const dir = tempDir();
    const path = minimalPack(dir, {});
    const pack = await loadPack(path);
    const missing = await thrown(() => pack.actions.get('act')!.load());
    expect(missing.message).toMatch(/Action "act": its module act\.mjs does not exist|Action "act": its module .*act\.mjs does not exist/);
    expect(missing.exitCode).toBe(2);
    writeFileSync(join(dir, 'obj.mjs'), 'export const nothing = 1;\n');
    const noTest = await thrown(() => pack.objectTypes.get('mini-object')!.load());
    expect(noTest.message).toMatch(/does not export a test\(\) function/);
  });

  test('a module that fails to import is a broken pack, not a usage error', async () => {
    const dir = tempDir();
    const path = minimalPack(dir, {});
    writeFileSync(join(dir, 'act.mjs'), "import './nowhere.mjs';\nexport async function run() {}\n");
    const pack = await loadPack(path);
    const error = await thrown(() => pack.actions.get('act')!.load());
    expect(error.message).toMatch(/its module .*act\.mjs failed to load/);
    expect(error.exitCode).toBeUndefined();
  });
});
