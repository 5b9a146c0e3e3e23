import { beforeAll, describe, expect, test } from '@jest/globals';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';
import { FAKE_MANIFEST, tempDir, thrown, writeJson } from './helpers.js';

const CANARY_KEY = 'good-CANARY-ws-7e21a9';
let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(FAKE_MANIFEST);
});

function workspace(objects: unknown[]): string {
  return writeJson(tempDir(), 'workspace.json', { objects });
}

const conn = (name: string, properties: Record<string, unknown>) => ({ type: 'fake-connection', name, properties: { name, ...properties } });

describe('loadWorkspace', () => {
  test('loads objects; $env values are filled in and validated when an object is used', async () => {
    const redactor = new Redactor();
    const ws = await loadWorkspace(workspace([conn('Main', { apiKey: { $env: 'MAIN_KEY' }, region: 'us', retries: { $env: 'RETRIES' } })]), pack, redactor);
    expect(ws.entries.map((e) => e.name)).toEqual(['Main']);
    const resolved = ws.resolve('Main', { env: { MAIN_KEY: CANARY_KEY, RETRIES: '3' }, redactor });
    expect(resolved.properties).toEqual({ name: 'Main', apiKey: CANARY_KEY, region: 'us', retries: 3 });
    expect(resolved.objectType.type).toBe('fake-connection');
    expect(redactor.redact(`key ${CANARY_KEY}`)).toBe('key [redacted]');
  });

  test('a missing variable is named with the object and property, only when that object is used', async () => {
    const ws = await loadWorkspace(workspace([conn('Uses env', { apiKey: { $env: 'NOT_SET_ANYWHERE' } }), conn('Literal', { apiKey: 'good-literal-key' })]), pack, new Redactor());
    expect(ws.resolve('Literal', { env: {}, redactor: new Redactor() }).properties.apiKey).toBe('good-literal-key');
    const error = await thrown(() => ws.resolve('Uses env', { env: {}, redactor: new Redactor() }));
    expect(error.message).toMatch(/NOT_SET_ANYWHERE \(for object "Uses env" \(objects\[0\]\), property apiKey in .*workspace\.json\)/);
    expect(error.exitCode).toBe(2);
  });

  test('a secret variable whose value breaks the schema is reported by field and variable, never by value', async () => {
    const ws = await loadWorkspace(workspace([conn('Main', { apiKey: { $env: 'KEY' } })]), pack, new Redactor());
    const error = await thrown(() => ws.resolve('Main', { env: { KEY: 'has a space CANARY' }, redactor: new Redactor() }));
    expect(error.message).toMatch(/object "Main" \(objects\[0\]\) is invalid:\n  - apiKey: KEY \(secret, not shown\) must not contain spaces or line breaks/);
    expect(error.message).not.toContain('CANARY');
  });

  test('a plain variable whose value breaks the schema is reported with its name and value', async () => {
    const ws = await loadWorkspace(workspace([conn('Main', { apiKey: 'good-key-1111', retries: { $env: 'RETRIES' }, verbose: { $env: 'VERBOSE' } })]), pack, new Redactor());
    const error = await thrown(() => ws.resolve('Main', { env: { RETRIES: 'abc', VERBOSE: 'yes' }, redactor: new Redactor() }));
    expect(error.message).toContain('  - retries: RETRIES="abc" is not an integer');
    expect(error.message).toContain('  - verbose: VERBOSE="yes" is not true or false');
  });

  test('an unknown name lists the names there are; a wrong type is refused', async () => {
    const ws = await loadWorkspace(workspace([conn('A', { apiKey: 'good-key-aaaa' }), conn('B', { apiKey: 'good-key-bbbb' })]), pack, new Redactor());
    expect((await thrown(() => ws.resolve('C', { env: {}, redactor: new Redactor() }))).message).toMatch(/has no workspace object named "C"; it has "A", "B"/);
    expect((await thrown(() => ws.resolve('A', { env: {}, redactor: new Redactor(), expectedType: 'other-type' }))).message).toMatch(/object "A" is a fake-connection, but a other-type is needed here/);
  });

  test('refuses a file that is not a workspace, naming the object and the field', async () => {
    const error = await thrown(() => loadWorkspace(workspace([{ type: 'fake-connection', name: 'No props' }, { type: 'fake-connection', properties: {} }]), pack, new Redactor()));
    expect(error.message).toMatch(/the workspace file is invalid:/);
    expect(error.message).toContain('object "No props" (objects[0]), field properties: is required');
    const top = await thrown(() => loadWorkspace(writeJson(tempDir(), 'w.json', { connections: [] }), pack, new Redactor()));
    expect(top.message).toContain('objects: is required');
    expect(top.message).toContain('connections: is not a known property');
  });

  test("refuses properties the type's schema does not allow, naming object and field, without values", async () => {
    const error = await thrown(() =>
      loadWorkspace(
        workspace([conn('Bad', { apiKey: 'short', region: 'mars', colour: 'red', retries: { $env: 'R' } }), conn('Bad', { apiKey: 'good-key-2222' })]),
        pack,
        new Redactor(),
      ),
    );
    expect(error.message).toContain('object "Bad" (objects[0]), field apiKey: must be at least 8 characters long');
    expect(error.message).toContain('object "Bad" (objects[0]), field region: must be one of "eu", "us"');
    expect(error.message).toContain('object "Bad" (objects[0]), field colour: is not a known property');
    expect(error.message).toContain('object "Bad" (objects[1]): has the same name as objects[0]; names must be unique');
    // retries is an $env reference: unknown until used, so not checked here.
    expect(error.message).not.toContain('retries');
    expect(error.message).not.toContain('short');
  });

  test('refuses an unknown type and a malformed $env reference', async () => {
    const error = await thrown(() => loadWorkspace(workspace([{ type: 'other-thing', name: 'X', properties: {} }, conn('Y', { apiKey: { $env: 'has space' } })]), pack, new Redactor()));
    expect(error.message).toContain('object "Y" (objects[1]), field apiKey.$env: must be an environment variable name');
    const unknown = await thrown(() => loadWorkspace(workspace([{ type: 'other-thing', name: 'X', properties: {} }]), pack, new Redactor()));
    expect(unknown.message).toContain('object "X" (objects[0]), field type: "other-thing" is not a workspace object type of Fake pack; known: fake-connection');
  });

  test("an object's one name is its label property; a name beside it must say the same", async () => {
    const only = await loadWorkspace(workspace([{ type: 'fake-connection', properties: { name: 'Only', apiKey: 'good-key-1111' } }]), pack, new Redactor());
    expect(only.entries.map((e) => e.name)).toEqual(['Only']);
    expect(only.resolve('Only', { env: {}, redactor: new Redactor() }).properties.name).toBe('Only');
    // Files written before the two names were one: accepted while they agree.
    const both = await loadWorkspace(workspace([conn('Same', { apiKey: 'good-key-1111' })]), pack, new Redactor());
    expect(both.entries.map((e) => e.name)).toEqual(['Same']);
    const differ = await thrown(() => loadWorkspace(workspace([{ type: 'fake-connection', name: 'Old', properties: { name: 'New', apiKey: 'good-key-1111' } }]), pack, new Redactor()));
    expect(differ.message).toContain(`object "New" (objects[0]), field name: says "Old" but properties.name says "New"; an object has one name: remove the object's "name" and keep properties.name`);
    const fromEnv = await thrown(() => loadWorkspace(workspace([{ type: 'fake-connection', properties: { name: { $env: 'NAME' }, apiKey: 'good-key-1111' } }]), pack, new Redactor()));
    expect(fromEnv.message).toContain('objects[0], field name: is the object\'s name, which --connection and {"$workspace": …} use: write it into the file, not a reference');
    const none = await thrown(() => loadWorkspace(workspace([{ type: 'fake-connection', properties: { apiKey: 'good-key-1111' } }]), pack, new Redactor()));
    expect(none.message).toContain('objects[0], field name: is required');
  });

  test('"" in a property that takes no strings counts as not set, as a form sends an untouched field', async () => {
    const ws = await loadWorkspace(workspace([conn('Form', { apiKey: 'good-key-1111', retries: '', verbose: '' })]), pack, new Redactor());
    expect(ws.resolve('Form', { env: {}, redactor: new Redactor() }).properties).toEqual({ name: 'Form', apiKey: 'good-key-1111' });
    // A string property keeps its "" and is judged by its schema.
    const empty = await thrown(() => loadWorkspace(workspace([{ type: 'fake-connection', properties: { name: 'Empty key', apiKey: '' } }]), pack, new Redactor()));
    expect(empty.message).toContain('field apiKey: must be at least 8 characters long');
  });

  test('a secret written into the file is registered and earns a warning', async () => {
    const redactor = new Redactor();
    const ws = await loadWorkspace(workspace([conn('Literal', { apiKey: CANARY_KEY })]), pack, redactor);
    expect(ws.warnings).toHaveLength(1);
    expect(ws.warnings[0]).toMatch(/object "Literal" \(objects\[0\]\) has apiKey written into the file; keep secrets out of files with \{"\$env": "VARIABLE"\}/);
    expect(ws.warnings[0]).not.toContain(CANARY_KEY);
    expect(redactor.redact(CANARY_KEY)).toBe('[redacted]');
  });

  test('a literal secret in an invalid file is registered before the file is refused', async () => {
    const redactor = new Redactor();
    await thrown(() => loadWorkspace(workspace([conn('Broken', { apiKey: CANARY_KEY, region: 'mars' })]), pack, redactor));
    expect(redactor.redact(CANARY_KEY)).toBe('[redacted]');
  });
});
