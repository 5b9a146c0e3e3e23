import { beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { jsonTooDeepAt, MAX_INPUT_DEPTH } from '../../contract/input-depth.js';
import { findEnvReferences, resolveEnvReferences } from '../../tooling/host/env-references.js';
import { FileProblemError } from '../../tooling/host/errors.js';
import { findReferences, loadFlowFile, parseFlow, type Flow } from '../../tooling/host/flow-file.js';
import { runFlow } from '../../tooling/host/flow-runner.js';
import { parseJsonText, readJsonFile } from '../../tooling/host/json-file.js';
import { replaceMatches } from '../../tooling/host/json-walk.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { registerSecretValue } from '../../tooling/host/secret-values.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';
import { FAKE_MANIFEST, MemoryLogger, tempDir, thrown, writeJson } from './helpers.js';

// Values nested thousands of levels deep: a JSON file the host reads is refused before it is
// parsed, with a message naming the file, the limit and the place; and the host's own walkers
// (references, secret registration, redaction) use loops, so an in-memory value cannot
// exhaust the call stack either.

const CANARY = 'CANARY-deep-5512';
const nestedText = (levels: number, inner = '{}') => '['.repeat(levels - 1) + inner + ']'.repeat(levels - 1);

/** levels arrays around leaf, built without recursion. */
function nested(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(FAKE_MANIFEST);
});

describe('JSON files nested too deeply', () => {
  test(`${MAX_INPUT_DEPTH} levels are read; one more is refused with the file, the limit and the place, never the text`, async () => {
    expect(parseJsonText(nestedText(MAX_INPUT_DEPTH), 'ok.json')).toBeDefined();
    const text = `{\n  "note": "${CANARY}",\n  "a": ${nestedText(MAX_INPUT_DEPTH, `{"x": "${CANARY}"}`)}\n}`;
    const error = await thrown(() => parseJsonText(text, 'body.json', 'body file'));
    expect(error).toBeInstanceOf(FileProblemError);
    expect(error.exitCode).toBe(2);
    // The object at the top is level 1, so the 64th bracket after "a": opens level 65.
    expect(error.message).toBe(`body.json: the body file nests objects and arrays too deeply: at most ${MAX_INPUT_DEPTH} levels are allowed, and line 3, column ${8 + MAX_INPUT_DEPTH - 1} opens level ${MAX_INPUT_DEPTH + 1}`);
    expect(error.message).not.toContain(CANARY);
  });

  test('brackets inside strings do not count', () => {
    const quoted = JSON.stringify({ text: '['.repeat(500) + '\\"{{{' });
    expect(jsonTooDeepAt(quoted)).toBeUndefined();
    expect(parseJsonText(quoted, 'quoted.json')).toEqual({ text: '['.repeat(500) + '\\"{{{' });
    expect(jsonTooDeepAt(nestedText(MAX_INPUT_DEPTH))).toBeUndefined();
    expect(jsonTooDeepAt(nestedText(MAX_INPUT_DEPTH + 1))).toBeDefined();
    // Five levels at most ({ [ [ [ [ after the object closes); the brackets in "]]]" do not count.
    expect(jsonTooDeepAt(`{"a":[{"b":"]]]"},[[["x"]]]]}`, 5)).toBeUndefined();
    expect(jsonTooDeepAt(`{"a":[{"b":"]]]"},[[["x"]]]]}`, 4)).toBe(20);
  });

  test.each([3_000, 20_000])('%i levels, valid or cut off, are refused without a stack overflow', async (levels) => {
    for (const text of [nestedText(levels), '{"a":' + '['.repeat(levels)]) {
      const error = await thrown(() => parseJsonText(text, 'deep.json', 'flow file'));
      expect(error).toBeInstanceOf(FileProblemError);
      expect(error.message).toMatch(/^deep\.json: the flow file nests objects and arrays too deeply: at most 64 levels are allowed, and line 1, column \d+ opens level 65$/);
    }
  });

  test('workspace and flow files are refused as usage errors before they are looked at', async () => {
    const dir = tempDir();
    const deep = nestedText(20_000, '{"$env": "SOME_VARIABLE"}');
    const workspace = writeJson(dir, 'deep.workspace.json', `{"objects": [{"type": "fake-connection", "name": "W", "properties": {"name": "W", "apiKey": "${CANARY}", "extra": ${deep}}}]}`);
    const flow = writeJson(dir, 'deep.flow.json', `{"flowFormat": 1, "name": "Deep", "steps": [{"id": "echo", "action": "echo", "inputs": {"value": ${deep}}}]}`);
    const workspaceError = await thrown(() => loadWorkspace(workspace, pack, new Redactor()));
    expect(workspaceError).toBeInstanceOf(FileProblemError);
    expect(workspaceError.message).toMatch(/deep\.workspace\.json: the workspace file nests objects and arrays too deeply: at most 64 levels/);
    const flowError = await thrown(() => loadFlowFile(flow, pack, { redactor: new Redactor() }));
    expect(flowError.message).toMatch(/deep\.flow\.json: the flow file nests objects and arrays too deeply: at most 64 levels/);
    expect(await thrown(() => readJsonFile(join(dir, 'deep.flow.json'), 'deep.flow.json', 'body file'))).toMatchObject({ exitCode: 2 });
  });
});

describe('walking deep values in memory', () => {
  const LEVELS = 20_000;

  test('references are found and filled in at any depth', () => {
    const value = { top: nested(LEVELS, { $env: 'DEEP_VALUE' }) };
    const found = findEnvReferences(value);
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toHaveLength(LEVELS + 1);
    expect(findReferences(value)).toHaveLength(1);
    let resolved = (resolveEnvReferences(value, { env: { DEEP_VALUE: 'found it' }, where: () => '' }) as { top: unknown }).top;
    for (let i = 0; i < LEVELS; i++) resolved = (resolved as unknown[])[0];
    expect(resolved).toBe('found it');
  });

  test('a copy keeps key order, own "__proto__" keys and the values it was not asked to change', () => {
    const source = JSON.parse('{"b":1,"__proto__":{"x":2},"a":[3,{"$env":"V"}],"c":null}') as Record<string, unknown>;
    const copy = replaceMatches(source, (node) => (node !== null && typeof node === 'object' && '$env' in node ? { value: 'filled' } : undefined)) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['b', '__proto__', 'a', 'c']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"b":1,"__proto__":{"x":2},"a":[3,"filled"],"c":null}');
    expect(copy.a).not.toBe(source.a);
  });

  test('secret registration and redaction take any depth', () => {
    const redactor = new Redactor();
    registerSecretValue(redactor, nested(LEVELS, CANARY));
    expect(redactor.redact(CANARY)).toBe('[redacted]');
    expect(JSON.stringify(redactor.redactDeep(nested(LEVELS, CANARY)))).toContain('[…]');
  });

  test('a flow built in memory with an input nested 20,000 levels is refused by field, before its schema is checked', async () => {
    const error = await thrown(() => parseFlow({ flowFormat: 1, name: 'Deep in memory', steps: [{ id: 'echo', action: 'echo', inputs: { value: nested(LEVELS, CANARY) } }] }, 'memory', pack, { redactor: new Redactor() }));
    expect(error).toBeInstanceOf(FileProblemError);
    expect(error.message).toBe('memory: the flow file is invalid:\n  - steps[0].inputs.value[0][0]…: nests objects and arrays more than 64 levels deep, which is the limit');
    // As deep as a body may be, inside a top-level step's inputs: accepted.
    expect(parseFlow({ flowFormat: 1, name: 'Deep enough', steps: [{ id: 'echo', action: 'echo', inputs: { value: nested(MAX_INPUT_DEPTH, 1) } }] }, 'memory', pack).steps).toHaveLength(1);
  });

  test('an input that resolves to a value nested 20,000 levels fails its step by field; the walk to it does not overflow', async () => {
    const log = new MemoryLogger();
    const flow: Flow = {
      label: 'memory',
      name: 'Deep at run time',
      steps: [
        { kind: 'log', where: 'steps[0]', log: 'deep data', level: 'info', data: nested(LEVELS, { $env: 'DEEP_VALUE' }) },
        { kind: 'action', where: 'steps[1]', id: 'echo', action: 'echo', inputs: { value: nested(LEVELS, { $env: 'DEEP_VALUE' }) } },
      ],
    };
    const result = await runFlow(flow, { pack, env: { DEEP_VALUE: 'found it' }, redactor: new Redactor(), log, signal: new AbortController().signal, outDir: tempDir() });
    expect(log.lines[0]!.message).toMatch(/^deep data \[\[\[.*"\[…\]".*\]\]\]$/);
    expect(result).toMatchObject({ status: 'failed', failedStep: 'echo', error: { kind: 'input', problems: [{ field: 'inputs.value[0][0][0][0][0]…', message: 'nests objects and arrays more than 64 levels deep, which is the limit' }] } });
  });
});
