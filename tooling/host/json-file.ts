import { readFile } from 'node:fs/promises';
import { jsonTooDeepAt, MAX_INPUT_DEPTH } from '../../contract/input-depth.js';
import { FileProblemError } from './errors.js';

// Reading the JSON files a user hands the host. V8's own JSON.parse messages sometimes quote
// the text around the mistake, and a workspace file's text may hold a token, so a parse error
// is located and described here instead: line, column and what was expected, never the text.
// A file nested deeper than MAX_INPUT_DEPTH is refused before it is parsed, so nothing that
// walks a value by recursion (schema validation, JSON.stringify, the syntax locator below) ever
// meets one.

export interface JsonSyntaxProblem {
  offset: number;
  line: number;
  column: number;
  problem: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** Finds the first JSON syntax error in text, or undefined when text is valid JSON. */
export function locateJsonError(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const end = (what: string) => new Stop(i, `the file ends where ${what} was expected`);
  const value = (): void => {
    ws();
    if (i >= text.length) throw end('a value');
    const c = text[i]!;
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === "'") throw new Stop(i, 'strings must use double quotes (")');
    throw new Stop(i, 'unexpected character where a value was expected');
  };
  const object = (): void => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (i >= text.length) throw end('a property name');
      if (text[i] === '}') throw new Stop(i, 'a comma before "}" is not allowed in JSON');
      if (text[i] !== '"') throw new Stop(i, 'expected a property name in double quotes');
      string();
      ws();
      if (i >= text.length) throw end('":"');
      if (text[i] !== ':') throw new Stop(i, 'expected ":" after the property name');
      i++;
      value();
      ws();
      if (i >= text.length) throw end('"," or "}"');
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      throw new Stop(i, 'expected "," or "}" after a property value');
    }
  };
  const array = (): void => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === ']') throw new Stop(i, 'a comma before "]" is not allowed in JSON');
      value();
      ws();
      if (i >= text.length) throw end('"," or "]"');
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      throw new Stop(i, 'expected "," or "]" after an array item');
    }
  };
  const string = (): void => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, 'invalid \\u escape in a string');
          i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) throw new Stop(i, 'invalid escape in a string');
        i += 2;
        continue;
      }
      if (c < ' ') throw new Stop(i, 'a line break or control character inside a string (escape it, e.g. \\n)');
      i++;
    }
    throw new Stop(start, 'a string is not closed');
  };
  const number = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '-' || match[0] === '') throw new Stop(i, 'invalid number');
    i += match[0].length;
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    ws();
    if (i < text.length) throw new Stop(i, 'unexpected text after the end of the JSON value');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return { offset: error.offset, ...lineAndColumn(text, error.offset), problem: error.problem };
  }
}

/** Line and column (both from 1) of an offset in text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses text as JSON, or throws a FileProblemError saying where it is malformed or nested too
 * deeply (never quoting it).
 */
export function parseJsonText(text: string, label: string, what = 'file'): unknown {
  const tooDeep = jsonTooDeepAt(text);
  if (tooDeep !== undefined) {
    const at = lineAndColumn(text, tooDeep);
    throw new FileProblemError(
      label,
      `the ${what} nests objects and arrays too deeply: at most ${MAX_INPUT_DEPTH} levels are allowed, and line ${at.line}, column ${at.column} opens level ${MAX_INPUT_DEPTH + 1}`,
    );
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    const at = locateJsonError(text);
    if (at) throw new FileProblemError(label, `the ${what} is not valid JSON: line ${at.line}, column ${at.column}: ${at.problem}`);
    throw new FileProblemError(label, `the ${what} is not valid JSON`);
  }
}

/** Reads and parses a JSON file; unreadable and malformed files become FileProblemErrors. */
export async function readJsonFile(path: string, label = path, what = 'file'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? 'unknown error'})`;
    throw new FileProblemError(label, `the ${what} ${reason === 'no such file' ? 'does not exist' : reason}`);
  }
  if (text.trim() === '') throw new FileProblemError(label, `the ${what} is empty`);
  return parseJsonText(text, label, what);
}
