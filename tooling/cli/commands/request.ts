import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import { displayPath, plural, seconds } from '../../host/display.js';
import { FileProblemError, MissingEnvError, UsageError, type Problem } from '../../host/errors.js';
import { parseFlow } from '../../host/flow-file.js';
import type { FlowResult } from '../../host/flow-runner.js';
import { readJsonFile } from '../../host/json-file.js';
import { isPlainObject } from '../../host/schema-tools.js';
import { loadWorkspace } from '../../host/workspace-file.js';
import { executeRun } from './run.js';
import { rewordError, type InputWords } from '../../host/words.js';
import { addCommonOptions, withExamples, exitWhenIdle, collect, createRuntime, envName, loadPackFor, reportError, warnAll, wholeNumber, type CommonOptions } from './common.js';
import { COMMAND_LINE_RESUME_WORDS, continueCommand } from './continue-command.js';
import type { Identity } from '../../host/checkpoint.js';
import { resumePlace } from '../../host/resume-words.js';

// flow-tripletex request: one run of REST API Request with paging from the command line.
// It is built as a one- or two-step flow and run by the same runner as `run`: with per-run
// credentials, Create Tripletex Connection makes the connection from environment variables
// first (that is what the action is for), and the request step reads its output.

export const CONNECTION_ACTION = 'create-tripletex-connection';
export const REQUEST_ACTION = 'rest-api-request-with-paging';
const DEFAULT_CONSUMER_ENV = 'TRIPLETEX_CONSUMER_TOKEN';
const DEFAULT_EMPLOYEE_ENV = 'TRIPLETEX_EMPLOYEE_TOKEN';

interface RequestOptions extends CommonOptions {
  workspace?: string;
  connection?: string;
  consumerTokenEnv?: string;
  employeeTokenEnv?: string;
  testEnvironment?: boolean;
  query?: string[];
  companyId?: number;
  startIndex?: number;
  itemsPerPage?: number;
  maxPages?: number;
  fields?: string;
  sorting?: string;
  inclusiveEndDates?: boolean;
  skipEndpointChecks?: boolean;
  maxResponseMb?: number;
  maxWaitSeconds?: number;
  body?: string;
  out?: string;
  resume?: boolean;
  overwrite?: boolean;
  resumeFrom?: string;
  json?: boolean;
}

/** Which flag (or argument) sets each input, so that a refused input is reported by the flag the user typed. */
const FLAG_OF_INPUT: Record<string, string> = {
  method: '<method>',
  path: '<path>',
  query: '--query',
  body: '--body',
  companyId: '--company-id',
  startIndex: '--start-index',
  itemsPerPage: '--items-per-page',
  maxPageCount: '--max-pages',
  fields: '--fields',
  sorting: '--sorting',
  inclusiveEndDates: '--inclusive-end-dates',
  skipEndpointChecks: '--skip-endpoint-checks',
  maxResponseMegabytes: '--max-response-mb',
  maxWaitSeconds: '--max-wait-seconds',
  connection: '--connection',
  consumerToken: '--consumer-token-env',
  employeeToken: '--employee-token-env',
  useTestEnvironment: '--test-environment',
  resume: '--resume-from',
};

export function registerRequestCommand(program: Command): void {
  const command = program
    .command('request')
    .description(
      'Call a Tripletex endpoint with REST API Request with paging and write every row as one JSON line (NDJSON) to stdout or --out. ' +
        'Credentials come from a workspace object (--workspace and --connection) or, per run, from environment variables (--consumer-token-env and --employee-token-env; tokens are never flag values).',
    )
    .addArgument(new Argument('<method>', 'GET, POST, PUT or DELETE').argParser(httpMethod))
    .addArgument(new Argument('<path>', 'endpoint below /v2, e.g. /customer or "/company/>withLoginAccess"'))
    .option('--workspace <file>', 'workspace file with the connection')
    .option('--connection <name>', 'name of the Tripletex Connection in the workspace file')
    .option('--consumer-token-env <VAR>', `per-run credentials: environment variable holding the consumer token (default ${DEFAULT_CONSUMER_ENV})`)
    .option('--employee-token-env <VAR>', `per-run credentials: environment variable holding the employee token (default ${DEFAULT_EMPLOYEE_ENV})`)
    .option('--test-environment', "per-run credentials: use Tripletex's test environment")
    .option('--query <key=value>', 'query parameter; repeat for more (a repeated key sends several values)', collect, [])
    .option('--company-id <id>', "company to call (an accountant's client); default: the connection's", wholeNumber(0, 2147483647))
    .option('--start-index <n>', 'index of the first row (Tripletex from)', wholeNumber(0))
    .option('--items-per-page <n>', 'rows per request (Tripletex count)', wholeNumber(1))
    .option('--max-pages <n>', 'stop after this many pages', wholeNumber(1))
    .option('--fields <fields>', 'Tripletex fields selector, e.g. id,name,email')
    .option('--sorting <sorting>', 'Tripletex sorting, e.g. id or -invoiceDate')
    .option('--inclusive-end-dates', 'treat …To dates in --query as the last day wanted (those Tripletex documents as exclusive are sent as the day after)')
    .option('--skip-endpoint-checks', "send the path and query as written, even when Tripletex's spec says the path is a slip of another or a required parameter is missing")
    .option('--max-response-mb <n>', 'largest answer accepted, in MB; a larger one fails the run (default 50)', wholeNumber(1, 1024))
    .option('--max-wait-seconds <n>', 'longest single rate-limit wait; a longer one fails at once (default 300)', wholeNumber(0, 3600))
    .option('--body <file>', 'JSON file to send as the body (POST, PUT)')
    .option('--out <file>', 'write the rows to this NDJSON file instead of stdout; a checkpoint beside it (<file>.checkpoint) records each page until the export ends')
    .option('--resume', 'continue the unfinished export in --out where it stopped (after Ctrl+C, an error, --max-pages or a crash), appending to it')
    .option('--overwrite', 'start the --out file over although it holds an unfinished export')
    .option('--resume-from <json|file>', 'continue from a resume point (JSON, or a file holding it) that --json printed, e.g. for output to stdout')
    .addOption(new Option('--json', 'print the summary (or the error) as JSON on stderr'));
  withExamples(command, [
    ['every customer to a file, with a connection from a workspace file', 'flow-tripletex request GET /customer --workspace examples/demo.workspace.json --connection "Demo company" --fields id,name,email --out customers.ndjson'],
    ['per-run credentials from TRIPLETEX_CONSUMER_TOKEN and TRIPLETEX_EMPLOYEE_TOKEN: the first 10 customers', 'flow-tripletex request GET /customer --items-per-page 10 --max-pages 1'],
    ['invoices dated January 2025, the end date inclusive', 'flow-tripletex request GET /invoice --query invoiceDateFrom=2025-01-01 --query invoiceDateTo=2025-01-31 --inclusive-end-dates'],
    ["an accountant's client companies, then one client's customers", 'flow-tripletex request GET "/company/>withLoginAccess" --workspace examples/demo.workspace.json --connection "Accounting office"'],
    ['the same accountant, working in client company 1614797', 'flow-tripletex request GET /customer --workspace examples/demo.workspace.json --connection "Accounting office" --company-id 1614797 --max-pages 1'],
    ['continue that export to customers.ndjson after Ctrl+C, an error or a crash: exactly the rows not yet written are added', 'flow-tripletex request GET /customer --workspace examples/demo.workspace.json --connection "Demo company" --fields id,name,email --out customers.ndjson --resume'],
  ]);
  addCommonOptions(command).action(async (method: string, path: string, options: RequestOptions) => {
    exitWhenIdle(await requestCommand(method, path, options));
  });
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

function httpMethod(value: string): string {
  const upper = value.toUpperCase();
  if (!METHODS.includes(upper)) throw new InvalidArgumentError(`Expected ${METHODS.join(', ')}.`);
  return upper;
}

function parseQuery(pairs: string[]): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--query takes key=value (e.g. --query invoiceDateFrom=2025-01-01); one value has no key before "="`);
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

/**
 * The command line's words for the pack's advice: a flag where one sets the input, and for a
 * property of the workspace connection, the property in the workspace file.
 */
export function commandLineWords(workspace?: { file: string; connection: string; properties: ReadonlySet<string> }): InputWords {
  const property = (name: string) => workspace !== undefined && workspace.properties.has(name) && !(name in FLAG_OF_INPUT && name !== 'useTestEnvironment');
  const inFile = (name: string, value: string) => `set "${name}": ${value} for "${workspace!.connection}" in ${workspace!.file}`;
  return {
    input: (name) => (property(name) ? `"${name}" of "${workspace!.connection}" in ${workspace!.file}` : (FLAG_OF_INPUT[name] ?? name)),
    on: (name) => (property(name) ? inFile(name, 'true') : FLAG_OF_INPUT[name] ? `add ${FLAG_OF_INPUT[name]}` : `set ${name} to true`),
    off: (name) => (property(name) ? inFile(name, 'false') : FLAG_OF_INPUT[name] ? `leave out ${FLAG_OF_INPUT[name]}` : `set ${name} to false`),
    query: (entries) => `add ${entries.map(([key, value]) => `--query ${key}=${value}`).join(' ')}`,
  };
}

/** "steps[1].inputs.itemsPerPage" → "--items-per-page". */
function flagProblems(problems: Problem[]): Problem[] {
  return problems.map((p) => {
    const match = /^(?:steps\[\d+\]\.)?inputs\.([A-Za-z]+)(.*)$/.exec(p.field);
    const flag = match ? FLAG_OF_INPUT[match[1]!] : undefined;
    return flag ? { field: `${flag}${match![2] ? ` (${match![1]}${match![2]})` : ''}`, message: p.message } : p;
  });
}

function usageFromProblems(problems: Problem[]): UsageError {
  return new UsageError(`invalid input:\n${flagProblems(problems).map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`);
}

export async function requestCommand(method: string, path: string, options: RequestOptions): Promise<number> {
  const runtime = createRuntime(options);
  try {
    const perRunFlags = options.consumerTokenEnv !== undefined || options.employeeTokenEnv !== undefined || options.testEnvironment === true;
    if (options.workspace !== undefined || options.connection !== undefined) {
      if (options.workspace === undefined) throw new UsageError('--connection needs --workspace <file>');
      if (options.connection === undefined) throw new UsageError('--workspace needs --connection <name>');
      if (perRunFlags) throw new UsageError('use either a workspace connection (--workspace, --connection) or per-run credentials (--consumer-token-env, --employee-token-env, --test-environment), not both');
    }
    checkResumeFlags(options);
    const consumerEnv = envName('--consumer-token-env', options.consumerTokenEnv ?? DEFAULT_CONSUMER_ENV, { holds: 'consumer token', variable: DEFAULT_CONSUMER_ENV });
    const employeeEnv = envName('--employee-token-env', options.employeeTokenEnv ?? DEFAULT_EMPLOYEE_ENV, { holds: 'employee token', variable: DEFAULT_EMPLOYEE_ENV });
    const query = parseQuery(options.query ?? []);
    let body: unknown;
    if (options.body !== undefined) body = await readJsonFile(resolvePath(options.body), displayPath(resolvePath(options.body)), 'body file');

    const pack = await loadPackFor(options);
    for (const id of [REQUEST_ACTION, ...(options.workspace ? [] : [CONNECTION_ACTION])]) {
      if (!pack.actions.has(id)) throw new UsageError(`the pack ${pack.name} has no action "${id}", which the request command uses`);
    }
    const workspace = options.workspace ? await loadWorkspace(options.workspace, pack, runtime.redactor) : undefined;
    if (workspace) warnAll(runtime.log, workspace.warnings);

    const steps: unknown[] = [];
    let connection: unknown = { $workspace: options.connection };
    if (!workspace) {
      steps.push({
        id: 'connection',
        action: CONNECTION_ACTION,
        inputs: { consumerToken: { $env: consumerEnv }, employeeToken: { $env: employeeEnv }, useTestEnvironment: options.testEnvironment === true, name: 'per-run (command line)' },
      });
      connection = { $from: 'connection.connection' };
    }
    const inputs: Record<string, unknown> = { connection, method, path };
    if (Object.keys(query).length > 0) inputs.query = query;
    if (body !== undefined) inputs.body = body;
    if (options.companyId !== undefined) inputs.companyId = options.companyId;
    if (options.startIndex !== undefined) inputs.startIndex = options.startIndex;
    if (options.itemsPerPage !== undefined) inputs.itemsPerPage = options.itemsPerPage;
    if (options.maxPages !== undefined) inputs.maxPageCount = options.maxPages;
    if (options.fields !== undefined) inputs.fields = options.fields;
    if (options.sorting !== undefined) inputs.sorting = options.sorting;
    if (options.inclusiveEndDates) inputs.inclusiveEndDates = true;
    if (options.skipEndpointChecks) inputs.skipEndpointChecks = true;
    if (options.maxResponseMb !== undefined) inputs.maxResponseMegabytes = options.maxResponseMb;
    if (options.maxWaitSeconds !== undefined) inputs.maxWaitSeconds = options.maxWaitSeconds;
    if (options.resumeFrom !== undefined) inputs.resume = await readResumePoint(options.resumeFrom);
    steps.push({ id: 'request', action: REQUEST_ACTION, inputs, forEachPage: { writeRowsTo: options.out ?? '-' } });

    let flow;
    try {
      flow = parseFlow({ flowFormat: 1, name: `${method} ${path}`, steps }, 'request', pack, { redactor: runtime.redactor });
    } catch (error) {
      if (error instanceof FileProblemError) throw usageFromProblems(error.problems);
      throw error;
    }

    let result: FlowResult;
    try {
      const identity = requestIdentity({ method, path, query, body, options, consumerEnv, employeeEnv });
      result = await executeRun({ pack, flow, ...(workspace ? { workspace } : {}) }, runtime, {
        quietSteps: true,
        progressLabel: (stepId) => (stepId === 'request' ? `${method} ${path}` : stepId),
        // Only a file keeps a checkpoint; stdout continues with --resume-from.
        ...(options.out !== undefined ? { checkpoints: { mode: options.resume ? 'resume' : options.overwrite ? 'overwrite' : 'fresh', identity: () => identity, words: COMMAND_LINE_RESUME_WORDS } } : {}),
      });
    } catch (error) {
      if (error instanceof MissingEnvError) {
        throw new UsageError(
          error.variables
            .map((v) => `environment variable ${v.variable} is not set (${v.where.includes('consumerToken') ? `--consumer-token-env: it should hold the consumer token` : v.where.includes('employeeToken') ? `--employee-token-env: it should hold the employee token` : v.where})`)
            .join('\n'),
        );
      }
      throw error;
    }
    const connectionType = workspace?.find(options.connection!)?.type;
    const properties = connectionType ? Object.keys((pack.objectTypes.get(connectionType)?.schema.properties ?? {}) as object) : [];
    const words = commandLineWords(workspace ? { file: workspace.label, connection: options.connection!, properties: new Set(properties) } : undefined);
    return report(result, options, runtime, words);
  } catch (error) {
    return reportError(error, { json: options.json, redactor: runtime.redactor });
  } finally {
    runtime.dispose();
  }
}

/** --resume, --overwrite and --resume-from: which go together. */
function checkResumeFlags(options: RequestOptions): void {
  if (options.resume && options.out === undefined) {
    throw new UsageError('--resume continues an export to a file and needs --out <file> (the file and its checkpoint say where it stopped); output to stdout continues with --resume-from <json|file>, the resume point --json printed');
  }
  if (options.resume && options.overwrite) throw new UsageError('--resume continues the file and --overwrite starts it over: give one of them');
  if (options.resume && options.resumeFrom !== undefined) throw new UsageError('--resume takes the resume point from the checkpoint of --out; leave out --resume-from');
  if (options.startIndex !== undefined && (options.resume || options.resumeFrom !== undefined)) {
    throw new UsageError(`${options.resume ? '--resume' : '--resume-from'} continues where the run stopped; leave out --start-index`);
  }
}

/** The resume point given to --resume-from: JSON, or a file holding it; also the --json line (or all of stderr) that carries one. */
async function readResumePoint(value: string): Promise<unknown> {
  const text = value.trim();
  let parsed: unknown;
  if (text.startsWith('{')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError('--resume-from: the value starts with "{" but is not valid JSON; give the resume point exactly as --json printed it (quote it for the shell), or a file holding it');
    }
  } else {
    // A file holding the point, or all that --json printed on stderr: then its last line is the JSON one.
    const path = resolvePath(text);
    const content = await readFile(path, 'utf8').catch(() => '');
    const last = content.split('\n').filter((line) => line.trim().startsWith('{')).at(-1);
    for (const candidate of [content, last]) {
      if (parsed !== undefined || candidate === undefined) continue;
      try {
        parsed = JSON.parse(candidate);
      } catch {
        // Not this one.
      }
    }
    // Neither: the reader of JSON files says what is wrong with it, and where.
    parsed ??= await readJsonFile(path, displayPath(path), 'resume point file');
  }
  // The line --json prints ({"ok":false,…,"resume":{…}}) or a summary carries the point as "resume".
  if (isPlainObject(parsed) && isPlainObject(parsed.resume)) return parsed.resume;
  if (isPlainObject(parsed) && isPlainObject(parsed.summary) && isPlainObject(parsed.summary.resume)) return parsed.summary.resume;
  if (!isPlainObject(parsed)) throw new UsageError('--resume-from: a resume point is a JSON object such as {"index":3000}');
  return parsed;
}

/**
 * What the command that writes --out asks for, flag by flag: a run that continues the file must
 * ask for the same rows, in the same order, of the same company. Page size, page limit and
 * waits may differ (the resume point counts rows, not pages). Never a token: credentials are
 * named by their variables, a body by its digest.
 */
function requestIdentity(c: { method: string; path: string; query: Record<string, string | string[]>; body: unknown; options: RequestOptions; consumerEnv: string; employeeEnv: string }): Identity {
  const { options } = c;
  const query = Object.keys(c.query)
    .sort()
    .map((key) => {
      const value = c.query[key]!;
      return (Array.isArray(value) ? value : [value]).map((v) => `${key}=${v}`).join(' ');
    })
    .join(' ');
  const identity: Identity = {
    '<method>': c.method,
    '<path>': c.path,
    '--query': query,
    '--body': c.body === undefined ? '' : `a file with SHA-256 ${createHash('sha256').update(JSON.stringify(c.body)).digest('hex').slice(0, 16)}`,
    '--company-id': options.companyId === undefined ? '' : String(options.companyId),
    '--fields': options.fields ?? '',
    '--sorting': options.sorting ?? '',
    '--inclusive-end-dates': options.inclusiveEndDates ? 'on' : '',
  };
  if (options.workspace !== undefined) {
    identity['--workspace'] = resolvePath(options.workspace);
    identity['--connection'] = options.connection ?? '';
  } else {
    identity['--consumer-token-env'] = c.consumerEnv;
    identity['--employee-token-env'] = c.employeeEnv;
    identity['--test-environment'] = options.testEnvironment ? 'on' : '';
  }
  return identity;
}

/** The command that continues this one: --resume for a file, --resume-from with the point reached for stdout. */
function continueWith(options: RequestOptions, resume: unknown): string | undefined {
  if (options.out !== undefined) return continueCommand(process.argv.slice(2), ['--resume']);
  if (!isPlainObject(resume)) return undefined;
  return continueCommand(process.argv.slice(2), ['--resume-from', JSON.stringify(resume)]);
}

/** Where the stopped run stands: from the file's checkpoint, or for stdout from the last page written. */
function stoppedAt(result: FlowResult, options: RequestOptions): { resume?: unknown; checkpoint?: string; resumable: boolean } {
  const unfinished = result.unfinished?.find((f) => f.step === 'request');
  if (options.out !== undefined) {
    return unfinished ? { resume: unfinished.resume, checkpoint: unfinished.checkpoint, resumable: unfinished.resumable === true } : { resumable: false };
  }
  const request = result.steps.find((s) => s.id === 'request');
  const resume = request?.pageResume ?? (request?.pages === 0 ? request.resume : undefined);
  return resume === undefined ? { resumable: false } : { resume, resumable: true };
}

function report(result: FlowResult, options: RequestOptions, runtime: ReturnType<typeof createRuntime>, words: InputWords): number {
  const request = result.steps.find((s) => s.id === 'request');
  const rows = request?.rows ?? 0;
  const pages = request?.pages ?? 0;
  const stopped = stoppedAt(result, options);
  const command = stopped.resumable ? continueWith(options, stopped.resume) : undefined;
  const place = resumePlace(stopped.resume);
  const where = place ? ` (stopped ${place})` : '';
  const inFile = result.unfinished?.find((f) => f.step === 'request')?.lines ?? rows;
  const kept = options.out !== undefined && stopped.checkpoint ? ` ${plural(inFile, 'row')} ${inFile === 1 ? 'is' : 'are'} safe in ${displayPath(resolvePath(options.out))}` : '';
  const continuing = command ? `; continue with: ${command}` : '';
  const jsonResume = stopped.resume !== undefined && stopped.resumable ? { resume: stopped.resume, ...(stopped.checkpoint ? { checkpoint: stopped.checkpoint } : {}), ...(command ? { continueWith: command } : {}) } : {};
  if (result.status === 'completed') {
    const summary = request?.output;
    const total = options.resume ? result.files.find((f) => options.out !== undefined && f.path === resolvePath(options.out))?.lines : undefined;
    if (options.json) process.stderr.write(runtime.redactor.stringify({ ok: true, summary, ...(options.out ? { out: resolvePath(options.out) } : {}), ...(isPlainObject(summary) && summary.stoppedEarly === true ? jsonResume : {}) }) + '\n');
    else process.stderr.write(runtime.redactor.redact(describeSummary(summary, rows, pages, options.out, command, total)) + '\n');
    return 0;
  }
  if (result.status === 'cancelled') {
    if (options.json) process.stderr.write(runtime.redactor.stringify({ ok: false, cancelled: true, rows, pages, ...jsonResume }) + '\n');
    else {
      const head = `Cancelled after ${plural(rows, 'row')} in ${plural(pages, 'page')}${where}`;
      process.stderr.write(runtime.redactor.redact(kept ? `${head}.${kept}${continuing}.` : `${head}${continuing}.`) + '\n');
    }
    return 130;
  }
  const error = options.json ? (result.error ?? { message: 'failed' }) : rewordError(result.error ?? { message: 'failed' }, words);
  // `request … | head`: the reader had what it wanted. Like other Unix tools, stop quietly.
  if (error.kind === 'output-closed' && !options.out) return 0;
  // Input the action refused is a usage error of this command: say which flag.
  const isInput = error.kind === 'input';
  if (options.json) process.stderr.write(runtime.redactor.stringify({ ok: false, step: result.failedStep, error, rows, pages, ...(isInput ? {} : jsonResume) }) + '\n');
  else {
    const problems = Array.isArray(error.problems) ? (error.problems as Problem[]) : [];
    const text = isInput && problems.length > 0 ? `invalid input:\n${flagProblems(problems.map((p) => ({ field: `inputs.${p.field.replace(/^inputs\./, '')}`, message: p.message }))).map((p) => `  - ${p.field}: ${p.message}`).join('\n')}` : String(error.message);
    const then = continuing && !isInput ? continuing : '';
    const partial = rows > 0 ? `\n(${plural(rows, 'row')} in ${plural(pages, 'page')} were written before the failure${where}${kept ? `;${kept}` : ''}${then})` : then && options.out ? `\n(Nothing more was written${then})` : '';
    process.stderr.write(runtime.redactor.redact(`flow-tripletex: ${result.failedStep === 'connection' ? 'Create Tripletex Connection failed' : 'the request failed'}: ${text}${partial}`) + '\n');
  }
  return isInput ? 2 : 1;
}

/**
 * The one line a run ends with. The action's warnings were logged as they happened, so they are
 * not repeated here; how it stopped is said only when it did not simply reach the end.
 */
function describeSummary(summary: unknown, rows: number, pages: number, out: string | undefined, command: string | undefined, total?: number): string {
  const s = isPlainObject(summary) ? summary : {};
  const n = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : undefined);
  // Pages of more than one size (the action grew them, or the endpoint served fewer): say which.
  const sizes = Array.isArray(s.pageSizes) && s.pageSizes.length > 1 && s.pageSizes.every((size) => typeof size === 'number') ? ` (${(s.pageSizes as number[]).map((size) => size.toLocaleString('en-US')).join(', then ')} rows a page)` : '';
  const parts = [`${plural(n('items') ?? rows, 'row')} in ${plural(n('pages') ?? pages, 'page')}${sizes}`];
  if (n('requests') !== undefined) parts.push(plural(n('requests')!, 'request'));
  if (n('retries') !== undefined) parts.push(plural(n('retries')!, 'retry', 'retries'));
  if (n('rateLimitWaits') !== undefined) parts.push(`${plural(n('rateLimitWaits')!, 'rate-limit wait')}${n('rateLimitWaitMs') ? ` (${seconds(n('rateLimitWaitMs')!)})` : ''}`);
  if (n('durationMs') !== undefined) parts.push(seconds(n('durationMs')!));
  const place = s.stoppedEarly === true ? resumePlace(s.resume) : '';
  const how: Record<string, string> = {
    'max-page-count': `stopped at --max-pages${place ? ` ${place}` : ''}${command ? `; continue with: ${command}` : ''}`,
    'repeated-page': 'stopped: the endpoint sent the same page again (it ignores from and count)',
    'not-modified': 'not modified since the If-None-Match digest',
  };
  const stop = typeof s.stopReason === 'string' ? how[s.stopReason] : undefined;
  const file = out ? ` → ${displayPath(resolvePath(out))}${total !== undefined ? ` (continued: ${plural(total, 'row')} in all)` : ''}` : '';
  return `Done: ${parts.join(' · ')}${file}${stop ? ` — ${stop}` : ''}`;
}
