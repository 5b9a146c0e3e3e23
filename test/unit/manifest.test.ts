import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { PACKAGE_ROOT } from '../../contract/package-root.js';
import { packAjv } from '../../contract/validation.js';

interface Manifest {
  version: string;
  workspaceObjects: { type: string; schema: string; module: string; docs?: string }[];
  actions: { id: string; inputSchema: string; outputSchema: string; module: string; docs?: string; ports?: { id: string; schema?: string }[] }[];
}

const read = (file: string) => JSON.parse(readFileSync(join(PACKAGE_ROOT, file), 'utf8')) as unknown;
const manifest = read('manifest.json') as Manifest;

// `npm test` builds first, so the modules the manifest names must exist in dist/.
describe('manifest.json', () => {
  it('is valid against schemas/manifest.schema.json', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(read('schemas/manifest.schema.json') as object);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('catches a broken manifest (the schema has teeth)', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(read('schemas/manifest.schema.json') as object);
    const broken = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
    delete (broken.actions as Record<string, unknown>[])[0]!.module;
    (broken as { manifestVersion: number }).manifestVersion = 2;
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath + ' ' + e.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('/manifestVersion'), expect.stringContaining("must have required property 'module'")]),
    );
  });

  it('carries the package version and the ids the host contract promises', () => {
    expect(manifest.version).toBe((read('package.json') as { version: string }).version);
    expect(read('manifest.json')).toMatchObject({ manifestVersion: 1, id: 'tripletex', name: 'Tripletex' });
    expect(manifest.workspaceObjects.map((o) => o.type)).toEqual(['tripletex-connection']);
    expect(manifest.actions.map((a) => a.id)).toEqual(['create-tripletex-connection', 'rest-api-request-with-paging']);
  });

  it('names only files that exist, schemas that compile, and modules with the contract functions', async () => {
    const files = [
      ...manifest.workspaceObjects.flatMap((o) => [o.schema, o.module, o.docs]),
      ...manifest.actions.flatMap((a) => [a.inputSchema, a.outputSchema, a.module, a.docs, ...(a.ports ?? []).map((p) => p.schema)]),
    ].filter((f): f is string => typeof f === 'string');
    for (const file of files) expect([file, existsSync(join(PACKAGE_ROOT, file))]).toEqual([file, true]);
    for (const file of files.filter((f) => f.endsWith('.json'))) expect(packAjv().getSchema(file.replace(/^schemas\//, ''))).toBeDefined();
    for (const object of manifest.workspaceObjects) {
      const module = (await import(pathToFileURL(join(PACKAGE_ROOT, object.module)).href)) as Record<string, unknown>;
      expect(typeof module.test).toBe('function');
    }
    for (const action of manifest.actions) {
      const module = (await import(pathToFileURL(join(PACKAGE_ROOT, action.module)).href)) as Record<string, unknown>;
      expect(typeof module.run).toBe('function');
    }
  });

  it('tells a designer which workspace object fills each connection input', () => {
    const types = new Set(manifest.workspaceObjects.map((o) => o.type));
    const paging = read('schemas/rest-api-request-with-paging.input.schema.json') as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(paging.required).toContain('connection');
    expect(types.has(paging.properties.connection!['x-workspace-object-type'] as string)).toBe(true);
  });

  it('marks both tokens as secrets in the property panel, and orders every property', () => {
    const schema = read('schemas/tripletex-connection.schema.json') as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(['name', 'consumerToken', 'employeeToken', 'defaultCompanyId', 'useTestEnvironment']);
    expect(schema.required).toEqual(['name', 'consumerToken', 'employeeToken']);
    for (const key of ['consumerToken', 'employeeToken']) {
      expect(schema.properties[key]).toMatchObject({ writeOnly: true, format: 'password', 'x-secret': true });
    }
    const orders = Object.values(schema.properties).map((p) => p['x-order']);
    expect(orders).toEqual([1, 2, 3, 4, 5]);
    for (const property of Object.values(schema.properties)) {
      expect(typeof property.title).toBe('string');
      expect(typeof property.description).toBe('string');
    }
  });
});
