import { readFile } from 'node:fs/promises';
import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';
import { jsonTooDeepAt, MAX_INPUT_DEPTH } from '../../contract/input-depth.js';
import { FileProblemError } from './errors.js';

// Reading the JSON files a user hands the host. V8's own JSON.parse messages sometimes quote
// the text around the mistake, and a workspace file's text may hold a token, so a parse error
// is located by jsonc-parser (which reports codes and offsets, never text) and described here:
// line, column and what was expected. A file nested deeper than MAX_INPUT_DEPTH is refused
// before it is parsed, so nothing that walks a value by recursion (schema validation,
// JSON.stringify, jsonc-parser's recursive descent) ever meets one.

export interface JsonSyntaxProblem {
  offset: number;
  line: number;
  column: number;
  problem: string;
}

/** jsonc-parser's error codes are a const enum; their printed names are used instead. */
type ErrorName = ReturnType<typeof printParseErrorCode>;

/** The first error the parser met, and where it was. */
interface FirstError {
  code: ErrorName;
  offset: number;
  length: number;
  container: 'object' | 'array' | undefined;
  /** Inside an object, before a property name. */
  expectingName: boolean;
  /** After the top-level value had ended. */
  afterValue: boolean;
}

const CONTROL_IN_STRING = 'a line break or control character inside a string (escape it, e.g. \\n)';
const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/**
 * Finds the first JSON syntax error in text, or undefined when text is valid JSON. jsonc-parser
 * finds it (an error code and an offset, never the text); what remains here is saying it in
 * words, for which the parser's position (inside an object or an array, before a property
 * name) is tracked through its visitor.
 */
export function locateJsonError(text: string): JsonSyntaxProblem | undefined {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = bom ? text.slice(1) : text;
  const containers: ('object' | 'array')[] = [];
  let expectingName = false;
  let seenValue = false;
  let first: FirstError | undefined;
  visit(
    body,
    {
      onObjectBegin: () => {
        containers.push('object');
        expectingName = true;
      },
      onObjectProperty: () => {
        expectingName = false;
      },
      onObjectEnd: () => {
        containers.pop();
        expectingName = false;
        if (containers.length === 0) seenValue = true;
      },
      onArrayBegin: () => {
        containers.push('array');
        expectingName = false;
      },
      onArrayEnd: () => {
        containers.pop();
        if (containers.length === 0) seenValue = true;
      },
      onLiteralValue: () => {
        if (containers.length === 0) seenValue = true;
      },
      onSeparator: (character) => {
        if (character === ',' && containers[containers.length - 1] === 'object') expectingName = true;
      },
      onError: (code, offset, length) => {
        first ??= { code: printParseErrorCode(code), offset, length, container: containers[containers.length - 1], expectingName, afterValue: seenValue && containers.length === 0 };
      },
    },
    STRICT_JSON,
  );
  if (!first) return undefined;
  const { offset, problem } = describeSyntaxError(body, first);
  return { offset: offset + bom, ...lineAndColumn(text, offset + bom), problem };
}

function describeSyntaxError(text: string, at: FirstError): { offset: number; problem: string } {
  const { code, offset, container } = at;
  const say = (problem: string, where = offset) => ({ offset: where, problem });
  const close = container === 'array' ? '"," or "]"' : '"," or "}"';
  const afterWhat = container === 'array' ? 'after an array item' : 'after a property value';
  if (offset >= text.length && code !== 'UnexpectedEndOfString') {
    const wanted: Record<string, string> = {
      ValueExpected: 'a value',
      PropertyNameExpected: 'a property name',
      ColonExpected: '":"',
    };
    return say(`the file ends where ${wanted[code] ?? close} was expected`);
  }
  switch (code) {
    case 'ValueExpected':
    case 'PropertyNameExpected': {
      const c = text[offset];
      if ((c === '}' || c === ']') && /,\s*$/.test(text.slice(0, offset))) return say(`a comma before "${c}" is not allowed in JSON`);
      return say(code === 'PropertyNameExpected' ? 'expected a property name in double quotes' : 'unexpected character where a value was expected');
    }
    case 'InvalidSymbol':
      if (at.afterValue) return say('unexpected text after the end of the JSON value');
      if (at.expectingName) return say('expected a property name in double quotes');
      if (text[offset] === "'") return say('strings must use double quotes (")');
      return say('unexpected character where a value was expected');
    case 'EndOfFileExpected':
      return say('unexpected text after the end of the JSON value');
    case 'CommaExpected':
    case 'CloseBraceExpected':
    case 'CloseBracketExpected':
      return say(`expected ${close} ${afterWhat}`);
    case 'ColonExpected':
      return say('expected ":" after the property name');
    case 'UnexpectedEndOfString':
      // A string that stops short of the file's end was cut by a line break.
      return offset + at.length < text.length ? say(CONTROL_IN_STRING, offset + at.length) : say('a string is not closed');
    case 'InvalidCharacter':
      return say(CONTROL_IN_STRING);
    case 'InvalidEscapeCharacter':
      return say('invalid escape in a string');
    case 'InvalidUnicode':
      return say('invalid \\u escape in a string');
    case 'UnexpectedEndOfNumber':
    case 'InvalidNumberFormat':
      return say('invalid number');
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return say('comments are not allowed in JSON');
    default:
      return say('not valid JSON here');
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
