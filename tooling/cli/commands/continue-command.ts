// The one command that continues a stopped run: the command line as the user typed it, less
// what would start over or conflict (--overwrite, --start-index, an earlier --resume or
// --resume-from), plus what continues (--resume, or --resume-from with the point reached),
// quoted for a POSIX shell so that it can be pasted as it is.

import type { ResumeWords } from '../../host/checkpointed-file.js';

/** How the command line says "continue" and "start over" in messages about an unfinished file. */
export const COMMAND_LINE_RESUME_WORDS: ResumeWords = { resume: 'continue it with --resume', overwrite: 'start over with --overwrite' };

const SAFE = /^[A-Za-z0-9_\/.,:=@%+^-]+$/;

export function shellQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Flags left out of the continuing command; those with a value lose it too. */
const DROPPED = new Map([
  ['--overwrite', false],
  ['--resume', false],
  ['--start-index', true],
  ['--resume-from', true],
]);

export function continueCommand(argv: readonly string[], add: string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      kept.push(...argv.slice(i));
      break;
    }
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    const takesValue = DROPPED.get(name);
    if (takesValue === undefined) {
      kept.push(word);
      continue;
    }
    if (takesValue && !word.includes('=')) i++;
  }
  return ['flow-tripletex', ...kept, ...add].map(shellQuote).join(' ');
}
