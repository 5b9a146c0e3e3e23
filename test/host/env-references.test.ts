import { describe, expect, test } from '@jest/globals';
import { coerceEnvValue, findEnvReferences, isEnvReference, resolveEnvReferences, toPointer } from '../../tooling/host/env-references.js';
import { MissingEnvError } from '../../tooling/host/errors.js';
import { thrown } from './helpers.js';

describe('$env references', () => {
  test('only {"$env": "NAME"} alone is a reference', () => {
    expect(isEnvReference({ $env: 'A' })).toBe(true);
    expect(isEnvReference({ $env: 'A', other: 1 })).toBe(false);
    expect(isEnvReference({ $env: 5 })).toBe(false);
    expect(isEnvReference('A')).toBe(false);
  });

  test('finds references anywhere, with their paths', () => {
    const found = findEnvReferences({ a: { $env: 'A' }, list: [1, { b: { $env: 'B' } }] });
    expect(found).toEqual([
      { variable: 'A', path: ['a'] },
      { variable: 'B', path: ['list', 1, 'b'] },
    ]);
    expect(toPointer(['list', 1, 'a/b~c'])).toBe('/list/1/a~1b~0c');
  });

  test('resolves values and leaves the rest alone; whether a value is secret is not its source\'s business', () => {
    const resolved = resolveEnvReferences({ key: { $env: 'KEY' }, plain: 'x', deep: [{ $env: 'OTHER' }] }, { env: { KEY: 'value-of-key', OTHER: 'other-value' }, where: () => '' });
    expect(resolved).toEqual({ key: 'value-of-key', plain: 'x', deep: ['other-value'] });
  });

  test('names every missing variable and where it was needed, never a value', async () => {
    const error = await thrown(() =>
      resolveEnvReferences({ a: { $env: 'MISSING_A' }, b: { $env: 'SET' }, c: { $env: 'MISSING_C' } }, { env: { SET: 'CANARY-set-99' }, where: (path) => `field ${path.join('.')}` }),
    );
    expect(error).toBeInstanceOf(MissingEnvError);
    expect(error.message).toContain('MISSING_A (for field a)');
    expect(error.message).toContain('MISSING_C (for field c)');
    expect(error.message).not.toContain('CANARY-set-99');
    expect(error.exitCode).toBe(2);
  });

  test('coerces values for top-level properties that do not take strings', () => {
    expect(coerceEnvValue('42', { type: ['integer', 'null'] })).toBe(42);
    expect(coerceEnvValue('true', { type: 'boolean' })).toBe(true);
    expect(coerceEnvValue('42', { type: 'string' })).toBe('42');
    expect(coerceEnvValue('forty', { type: 'integer' })).toBe('forty');
    expect(coerceEnvValue('', { type: ['integer', 'null'] })).toBeNull();
    const resolved = resolveEnvReferences(
      { companyId: { $env: 'ID' }, name: { $env: 'ID' } },
      { env: { ID: '1234' }, where: () => '', schemaFor: (path) => (path[0] === 'companyId' ? { type: 'integer' } : { type: 'string' }) },
    );
    expect(resolved).toEqual({ companyId: 1234, name: '1234' });
  });
});
