import { addDays } from '../../contract/oslo-date.js';
import { plural } from './display.js';
import { isPlainObject } from './schema-tools.js';

// Where a stopped run stopped, in words a person reads: the CLI's last line and the designer's
// run panel say it the same way. A resume point is the action's (a page's `resume`): a row
// count, a date window with its exclusive end, and the date reached in it.

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "at 2025-04-10 in the window 2025-04-03 – 2025-04-25" (the window's last day shown, not its exclusive end), or "" for a plain list. */
export function resumePlace(resume: unknown): string {
  if (!isPlainObject(resume)) return '';
  const window = isPlainObject(resume.window) ? resume.window : undefined;
  if (!window || typeof window.from !== 'string' || typeof window.to !== 'string' || !DATE.test(window.from) || !DATE.test(window.to)) return '';
  const last = addDays(window.to, -1);
  const span = last === window.from ? window.from : `${window.from} – ${last}`;
  const date = typeof resume.date === 'string' && DATE.test(resume.date) && resume.date !== window.from ? `at ${resume.date} ` : '';
  return `${date}in the window ${span}`;
}

/** "stopped at 2025-04-10 in the window 2025-04-03 – 2025-04-25 after 5,000 rows" / "stopped after 5,000 rows". */
export function whereStopped(resume: unknown, rows: number): string {
  const place = resumePlace(resume);
  return `stopped ${place ? `${place} ` : ''}after ${plural(rows, 'row')}`;
}
