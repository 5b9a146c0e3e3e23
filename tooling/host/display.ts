import { isAbsolute, relative } from 'node:path';

/** A path as a user would type it: relative to the working folder when it is inside it. */
export function displayPath(path: string, cwd = process.cwd()): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * At most `max` characters of text, with a note of how many more there were. For text that is
 * already redacted whole: a cut made after redaction cannot split a secret the redactor knows.
 */
export function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${(text.length - max).toLocaleString('en-US')} more characters not shown]`;
}
