import { beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { isSecretReference, secretsFilePath, SecretStore } from '../../tooling/host/secret-store.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';
import { FAKE_MANIFEST, tempDir, thrown, writeJson } from './helpers.js';

// {"$secret": id}: the designer's saved secrets live in a 0600 file in the user's config
// folder, and the reference host's workspace loader resolves them like {"$env": …}.

const CANARY = 'good-CANARY-secret-41c9e2';
let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(FAKE_MANIFEST);
});

describe('the secrets file', () => {
  test('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(secretsFilePath({ XDG_CONFIG_HOME: '/x/config', HOME: '/home/kari' })).toBe('/x/config/flow-tripletex/secrets.json');
    expect(secretsFilePath({ HOME: '/home/kari' })).toBe('/home/kari/.config/flow-tripletex/secrets.json');
  });

  test('stores a value under a random id, readable by the user only, and deletes it', () => {
    const config = tempDir();
    const store = SecretStore.forEnv({ XDG_CONFIG_HOME: config });
    const reference = store.put(CANARY);
    expect(reference).toEqual({ $secret: expect.stringMatching(/^s-[0-9a-f]{24}$/) });
    expect(reference.$secret).not.toContain('CANARY');
    expect(isSecretReference(reference)).toBe(true);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, 'flow-tripletex')).mode & 0o077).toBe(0);
    expect(store.get(reference.$secret)).toBe(CANARY);
    expect(store.put(CANARY).$secret).not.toBe(reference.$secret);
    store.delete(reference.$secret);
    expect(store.has(reference.$secret)).toBe(false);
    expect(readFileSync(store.file, 'utf8')).toContain('never commit or share it');
  });

  test('refuses a secrets file other users can read, saying how to fix it', async () => {
    const store = SecretStore.forEnv({ XDG_CONFIG_HOME: tempDir() });
    store.put(CANARY);
    chmodSync(store.file, 0o644);
    const error = await thrown(() => store.get('s-000000000000000000000000'));
    expect(error.message).toContain('can be read by other users (mode 0644)');
    expect(error.message).toContain(`chmod 600 "${store.file}"`);
    expect(error.message).not.toContain('CANARY');
  });

  test('refuses a secrets folder other users can open, saying how to fix it, for reading and writing alike', async () => {
    const store = SecretStore.forEnv({ XDG_CONFIG_HOME: tempDir() });
    const reference = store.put(CANARY);
    chmodSync(store.folder, 0o755);
    for (const attempt of [() => store.get(reference.$secret), () => store.put('another-CANARY-value')]) {
      const error = await thrown(attempt);
      expect(error.message).toContain('is open to other users (mode 0755)');
      expect(error.message).toContain(`chmod 700 "${store.folder}"`);
      expect(error.message).not.toContain('CANARY');
    }
    chmodSync(store.folder, 0o700);
    expect(store.get(reference.$secret)).toBe(CANARY);
  });

  test('refuses a folder or a file that belongs to another user, with the chown that fixes it', async () => {
    const env = { XDG_CONFIG_HOME: tempDir() };
    SecretStore.forEnv(env).put(CANARY);
    // The store is told to expect another owner: the folder and file, made by this user, are then someone else's.
    const someoneElse = (process.getuid?.() ?? 0) + 1;
    const error = await thrown(() => SecretStore.forEnv(env, { owner: someoneElse }).get('s-000000000000000000000000'));
    expect(error.message).toContain('belongs to another user');
    expect(error.message).toContain('sudo chown "$(id -un)"');
    expect(error.message).not.toContain('CANARY');
  });

  test('refuses a secrets file that is a link, neither reading nor writing through it', async () => {
    const store = SecretStore.forEnv({ XDG_CONFIG_HOME: tempDir() });
    store.put(CANARY);
    const elsewhere = join(tempDir(), 'elsewhere.json');
    writeFileSync(elsewhere, readFileSync(store.file), { mode: 0o600 });
    rmSync(store.file);
    symlinkSync(elsewhere, store.file);
    const before = readFileSync(elsewhere, 'utf8');
    for (const attempt of [() => store.get('s-000000000000000000000000'), () => store.put('another-CANARY-value')]) {
      const error = await thrown(attempt);
      expect(error.message).toContain(`is a link to ${elsewhere}`);
      expect(error.message).toContain(`mv "${elsewhere}" "${store.file}"`);
    }
    expect(readFileSync(elsewhere, 'utf8')).toBe(before);
    expect(lstatSync(store.file).isSymbolicLink()).toBe(true);
  });

  test('writes through a fresh temporary file: nothing is left beside the secrets file', () => {
    const store = SecretStore.forEnv({ XDG_CONFIG_HOME: tempDir() });
    for (let i = 0; i < 5; i++) store.put(`${CANARY}-${i}`);
    expect(readdirSync(store.folder)).toEqual(['secrets.json']);
  });

  test('a reference is exactly {"$secret": string}', () => {
    expect(isSecretReference({ $secret: 's-1' })).toBe(true);
    expect(isSecretReference({ $secret: 's-1', other: 1 })).toBe(false);
    expect(isSecretReference({ $env: 'X' })).toBe(false);
    expect(isSecretReference('s-1')).toBe(false);
  });
});

describe('a workspace with stored secrets', () => {
  test('loads, and resolves the secret (registered with the redactor) when the object is used', async () => {
    const config = tempDir();
    const env = { XDG_CONFIG_HOME: config };
    const reference = SecretStore.forEnv(env).put(CANARY);
    const file = writeJson(tempDir(), 'workspace.json', { objects: [{ type: 'fake-connection', name: 'Main', properties: { name: 'Main', apiKey: reference } }] });
    const redactor = new Redactor();
    const workspace = await loadWorkspace(file, pack, redactor);
    expect(workspace.warnings).toEqual([]);
    expect(workspace.resolve('Main', { env, redactor }).properties.apiKey).toBe(CANARY);
    expect(redactor.redact(`key ${CANARY}`)).toBe('key [redacted]');
  });

  test('a secret that is not in this machine\'s secrets file is an error naming the object and the file', async () => {
    const config = tempDir();
    const file = writeJson(tempDir(), 'workspace.json', { objects: [{ type: 'fake-connection', name: 'Shared', properties: { name: 'Shared', apiKey: { $secret: 's-0123456789abcdef01234567' } } }] });
    const workspace = await loadWorkspace(file, pack, new Redactor());
    const error = await thrown(() => workspace.resolve('Shared', { env: { XDG_CONFIG_HOME: config }, redactor: new Redactor() }));
    expect(error.message).toContain('object "Shared" (objects[0]), property apiKey');
    expect(error.message).toContain(join(config, 'flow-tripletex', 'secrets.json'));
    expect(error.message).toContain('{"$env": "VARIABLE"}');
    expect(error.exitCode).toBe(2);
    expect(existsSync(join(config, 'flow-tripletex'))).toBe(false);
  });

  test('a malformed reference is refused by the workspace schema', async () => {
    const file = writeJson(tempDir(), 'workspace.json', { objects: [{ type: 'fake-connection', name: 'Bad', properties: { name: 'Bad', apiKey: { $secret: 'the-token-itself' } } }] });
    const error = await thrown(() => loadWorkspace(file, pack, new Redactor()));
    expect(error.message).toContain('the workspace file is invalid');
    writeFileSync(file, JSON.stringify({ objects: [{ type: 'fake-connection', name: 'Mixed', properties: { name: 'Mixed', apiKey: { $secret: 's-0123456789abcdef01234567', extra: 1 } } }] }));
    expect((await thrown(() => loadWorkspace(file, pack, new Redactor()))).message).toContain('the workspace file is invalid');
  });
});
