import { isEnvName } from './env-names.js';

// Errors the host itself raises. Each carries the exit code the CLI ends with, and a message
// that names files, objects, fields and variables but never a value that might be secret.

/** Bad usage: a bad flag value, an unusable workspace or flow file, a missing variable (exit 2). */
export class UsageError extends Error {
  readonly exitCode = 2;
  readonly kind = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message };
  }
}

export interface Problem {
  /** Where: a field path such as `consumerToken` or `steps[1].inputs.path`. */
  field: string;
  message: string;
}

/** A file the host reads (workspace, flow, manifest, body) is unreadable, malformed or invalid. */
export class FileProblemError extends UsageError {
  readonly file: string;
  readonly problems: Problem[];
  constructor(file: string, headline: string, problems: Problem[] = []) {
    super(problems.length === 0 ? `${file}: ${headline}` : `${file}: ${headline}\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'FileProblemError';
    this.file = file;
    this.problems = problems;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), file: this.file, problems: this.problems };
  }
}

/** An environment variable a `{ "$env": … }` reference needs is not set. */
export class MissingEnvError extends UsageError {
  readonly variables: { variable: string; where: string }[];
  constructor(given: { variable: string; where: string }[]) {
    // A pasted token is refused where names are read; should one get this far, it is not printed.
    const variables = given.map((v) => (isEnvName(v.variable) ? v : { ...v, variable: '(a value where a variable name belongs, not shown)' }));
    const lines = variables.map((v) => `  - ${v.variable} (for ${v.where})`);
    super(`${variables.length === 1 ? 'An environment variable is' : 'Environment variables are'} not set:\n${lines.join('\n')}`);
    this.name = 'MissingEnvError';
    this.variables = variables;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), variables: this.variables };
  }
}

/** Inputs the host refused before calling an action (schema validation). Not a usage error inside a flow: it is the step's failure. */
export class HostInputError extends Error {
  readonly kind = 'input';
  readonly problems: Problem[];
  constructor(prefix: string, problems: Problem[]) {
    super(`${prefix}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'HostInputError';
    this.problems = problems;
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message, problems: this.problems };
  }
}

/** A flow's `fail` step, or a failure the flow did not handle. */
export class FlowFailedError extends Error {
  readonly kind = 'flow';
  constructor(message: string) {
    super(message);
    this.name = 'FlowFailedError';
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message };
  }
}

/** Ctrl-C or another abort of the run. */
export class CancelledRunError extends Error {
  readonly kind = 'cancelled';
  readonly exitCode = 130;
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledRunError';
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message };
  }
}
