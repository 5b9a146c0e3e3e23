import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMAS_DIR } from './package-root.js';

// Advice in a message names something the user can change: an input of an action or a property
// of a connection. Each surface has its own words for that thing: a designer the field's label
// ("Company Id"), a flow file the input's name (companyId), the command line its flag
// (--company-id). So the pack writes such advice as a template, puts it into its message in a
// designer's words (a Flow host shows the pack's panels), and hands the template along, so a
// host that shows the message somewhere else can say it in its own words.
//
// Templates hold plain text and these placeholders:
//   {input:companyId}                                  the input or property itself
//   {on:inclusiveEndDates}, {off:useTestEnvironment}   turning a switch on or off
//   {query:invoiceDateFrom=2025-01-01&invoiceDateTo=2025-02-01}   adding query parameters

export interface Hint {
  template: string;
  /** The template in a designer's words, exactly as it appears in the message. */
  text: string;
}

/** How one surface names inputs. */
export interface InputWords {
  input(name: string): string;
  on(name: string): string;
  off(name: string): string;
  query(entries: [string, string][]): string;
}

const PLACEHOLDER = /\{(input|on|off|query):([^{}]+)\}/g;

export function renderHint(template: string, words: InputWords): string {
  return template.replace(PLACEHOLDER, (_all, kind: string, argument: string) => {
    if (kind === 'query') {
      const entries = argument.split('&').map((pair): [string, string] => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      });
      return words.query(entries);
    }
    return words[kind as 'input' | 'on' | 'off'](argument);
  });
}

/** A designer's words: the field labels its panels show, from the schemas' titles. */
export function labelWords(titles: ReadonlyMap<string, string>): InputWords {
  const label = (name: string) => `"${titles.get(name) ?? name}"`;
  return {
    input: label,
    on: (name) => `turn on ${label(name)}`,
    off: (name) => `turn off ${label(name)}`,
    query: (entries) => `add ${entries.map(([key, value]) => `${key} = ${value}`).join(' and ')} to ${label('query')}`,
  };
}

/** A flow file's words: the inputs' own names, as they are written under "inputs". */
export const inputNameWords: InputWords = {
  input: (name) => name,
  on: (name) => `set ${name} to true`,
  off: (name) => `set ${name} to false`,
  query: (entries) => `add ${entries.map(([key, value]) => `"${key}": "${value}"`).join(', ')} to query`,
};

/** The hints' texts in a message replaced by the same hints in other words. */
export function rewordMessage(message: string, hints: readonly Hint[], words: InputWords): string {
  // Longest first, through markers: one hint's text may hold another's ("turn on "X"" holds ""X"").
  const ordered = [...hints].sort((a, b) => b.text.length - a.text.length);
  let out = message;
  ordered.forEach((hint, i) => (out = out.split(hint.text).join(`\u0000${i}\u0000`)));
  return out.replace(/\u0000(\d+)\u0000/g, (_all, i: string) => renderHint(ordered[Number(i)]!.template, words));
}

/** Reads hints from an error, its JSON form, or a test result; anything malformed is ignored. */
export function hintsOf(value: unknown): Hint[] {
  const hints = typeof value === 'object' && value !== null ? (value as { hints?: unknown }).hints : undefined;
  if (!Array.isArray(hints)) return [];
  return hints.filter((h): h is Hint => typeof h === 'object' && h !== null && typeof (h as Hint).template === 'string' && typeof (h as Hint).text === 'string' && (h as Hint).text !== '');
}

let packTitles: Map<string, string> | undefined;

/** Every property title in the pack's schemas: the labels a designer shows for its inputs. */
function titlesOfPackSchemas(): Map<string, string> {
  if (packTitles) return packTitles;
  packTitles = new Map();
  for (const file of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as { properties?: Record<string, { title?: unknown }> };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (typeof property?.title === 'string' && !packTitles.has(name)) packTitles.set(name, property.title);
    }
  }
  return packTitles;
}

/** A hint as the pack writes it into its own messages: in a designer's words. */
export function hint(template: string): Hint {
  return { template, text: renderHint(template, labelWords(titlesOfPackSchemas())) };
}
