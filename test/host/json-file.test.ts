import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { locateJsonError, parseJsonText, readJsonFile } from '../../tooling/host/json-file.js';
import { tempDir, thrown, writeJson } from './helpers.js';

const SECRET = 'CANARY-json-4f9e1c77';

describe('locateJsonError', () => {
  test('is undefined for valid JSON (with a byte-order mark too)', () => {
    expect(locateJsonError('{"a": [1, -2.5e3, true, null, "x\\n\\u00e6"]}')).toBeUndefined();
    expect(locateJsonError('\ufeff{"a": 1}')).toBeUndefined();
  });

  test.each([
    ['{"a": 1,}', 1, 9, /comma before "}"/],
    ['[1, 2,]', 1, 7, /comma before "]"/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected "," or "}"/],
    ["{'a': 1}", 1, 2, /expected a property name in double quotes/],
    ['{"a": tru}', 1, 7, /unexpected character where a value was expected/],
    ['{"a": "x', 1, 7, /string is not closed/],
    ['{"a": 1} extra', 1, 10, /unexpected text after the end/],
    ['{"a": ', 1, 7, /the file ends where a value was expected/],
    ['{"a": "line\nbreak"}', 1, 12, /line break or control character/],
    ['{"a": 01}', 1, 8, /expected "," or "}"/],
    ['[1 2]', 1, 4, /expected "," or "]" after an array item/],
    ['{"a" 1}', 1, 6, /expected ":" after the property name/],
    ['{"a": 1 /* why */}', 1, 9, /comments are not allowed in JSON/],
    ['{"a": "x\\qy"}', 1, 7, /invalid escape in a string/],
    ['{"a": "x\ty"}', 1, 7, /line break or control character/],
    ['{"a": 1.}', 1, 7, /invalid number/],
    ['{"a": 1}}', 1, 9, /unexpected text after the end/],
    ['{"a": 1', 1, 8, /the file ends where "," or "}" was expected/],
    ['\ufeff{"a": 1,}', 1, 10, /comma before "}"/],
  ])('%j → line %i, column %i', (text, line, column, problem) => {
    const at = locateJsonError(text)!;
    expect(at).toBeDefined();
    expect([at.line, at.column]).toEqual([line, column]);
    expect(at.problem).toMatch(problem);
  });
});

describe('parseJsonText and readJsonFile', () => {
  test('a malformed file is reported by line and column without quoting its text', async () => {
    const text = `{"objects": [{"properties": {"employeeToken": "${SECRET}" "x": 1}}]}`;
    const error = await thrown(() => parseJsonText(text, 'ws.json', 'workspace file'));
    const column = text.indexOf(' "x"') + 2;
    expect(error.message).toBe(`ws.json: the workspace file is not valid JSON: line 1, column ${column}: expected "," or "}" after a property value`);
    expect(error.message).not.toContain(SECRET);
  });

  test('V8 messages that quote the text are never used', async () => {
    const text = `{"token": "${SECRET}", }`;
    const error = await thrown(() => parseJsonText(text, 'f.json'));
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toMatch(/line 1, column \d+/);
  });

  test('unreadable, missing and empty files are named', async () => {
    const dir = tempDir();
    expect((await thrown(() => readJsonFile(join(dir, 'none.json'), 'none.json', 'flow file'))).message).toBe('none.json: the flow file does not exist');
    expect((await thrown(() => readJsonFile(dir, 'dir', 'flow file'))).message).toBe('dir: the flow file is a folder, not a file');
    const empty = writeJson(dir, 'empty.json', '  \n');
    expect((await thrown(() => readJsonFile(empty, 'empty.json'))).message).toBe('empty.json: the file is empty');
    const good = writeJson(dir, 'good.json', { a: 1 });
    expect(await readJsonFile(good)).toEqual({ a: 1 });
  });
});
