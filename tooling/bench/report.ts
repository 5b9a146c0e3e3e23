// What a benchmark scenario reports: figures (each against its goal, when it has one) and
// correctness checks. A figure that misses its goal is news; a failed check means the figures
// cannot be trusted (rows lost, repeated or out of order, or a summary that does not match the
// wire), and makes the benchmark exit non-zero.

export interface Goal {
  text: string;
  met: boolean;
}

export interface Figure {
  label: string;
  /** The figure reported: the median of the runs when there are several. */
  value: string;
  /** Each run's value, when the scenario repeats. */
  runs?: string[];
  goal?: Goal;
  note?: string;
}

export interface Check {
  label: string;
  ok: boolean;
  detail?: string;
}

export interface ScenarioReport {
  scenario: string;
  title: string;
  settings: string[];
  figures: Figure[];
  checks: Check[];
  /** Lines printed after the figures (a table, what the runs did). */
  details?: string[];
  /** Everything measured, for --json. */
  data: Record<string, unknown>;
}

export interface BenchOptions {
  /** Runs per figure; the figure is their median. */
  repeat: number;
  /** Progress, on stderr. */
  log(line: string): void;
}

export interface Scenario {
  name: string;
  summary: string;
  run(options: BenchOptions): Promise<ScenarioReport>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const whole = (value: number) => fixed(value, 0);

export function render(report: ScenarioReport): string {
  const lines: string[] = [];
  lines.push(`== ${report.scenario}: ${report.title}`);
  for (const setting of report.settings) lines.push(`   ${setting}`);
  lines.push('');
  const labelWidth = Math.max(24, ...report.figures.map((f) => f.label.length)) + 2;
  const valueWidth = Math.max(8, ...report.figures.map((f) => f.value.length)) + 2;
  for (const figure of report.figures) {
    const goal = figure.goal ? `goal ${figure.goal.text}: ${figure.goal.met ? 'met' : 'MISSED'}` : '';
    const runs = figure.runs && figure.runs.length > 1 ? `runs ${figure.runs.join(' / ')}` : '';
    lines.push(`   ${figure.label.padEnd(labelWidth)}${figure.value.padStart(valueWidth)}   ${[goal, runs, figure.note ?? ''].filter(Boolean).join('   ')}`);
  }
  if (report.details && report.details.length > 0) {
    lines.push('');
    for (const detail of report.details) lines.push(`   ${detail}`);
  }
  lines.push('');
  for (const check of report.checks) lines.push(`   ${check.ok ? 'ok    ' : 'FAILED'} ${check.label}${check.detail ? `: ${check.detail}` : ''}`);
  return lines.join('\n') + '\n';
}
