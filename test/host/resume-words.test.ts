import { describe, expect, test } from '@jest/globals';
import { resumePlace, whereStopped } from '../../tooling/host/resume-words.js';

// Where a stopped run stopped, as the CLI and the designer say it.

describe('where a run stopped, in words', () => {
  test('a plain list: the rows only', () => {
    expect(whereStopped({ index: 5000 }, 5000)).toBe('stopped after 5,000 rows');
    expect(resumePlace({ index: 3 })).toBe('');
    expect(whereStopped(null, 1)).toBe('stopped after 1 row');
  });

  test('a date window shows its last day, not its exclusive end, and the date reached inside it', () => {
    expect(whereStopped({ index: 12, window: { from: '2025-04-03', to: '2025-04-26' }, date: '2025-04-10' }, 5000)).toBe('stopped at 2025-04-10 in the window 2025-04-03 – 2025-04-25 after 5,000 rows');
    expect(resumePlace({ index: 40, window: { from: '2025-04-03', to: '2025-04-26' } })).toBe('in the window 2025-04-03 – 2025-04-25');
    expect(resumePlace({ index: 4, window: { from: '2025-04-03', to: '2025-04-26' }, date: '2025-04-03' })).toBe('in the window 2025-04-03 – 2025-04-25');
    expect(resumePlace({ index: 0, window: { from: '2024-12-31', to: '2025-01-01' } })).toBe('in the window 2024-12-31');
  });

  test('ignores what is not a resume point', () => {
    expect(resumePlace({ index: 1, window: { from: 'soon', to: 'later' } })).toBe('');
    expect(resumePlace('2025-04-03')).toBe('');
  });
});
