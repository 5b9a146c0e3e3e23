import { STATUS_CODES } from 'node:http';
import { errorResponse, type SimResponse } from './envelope.js';
import type { Rng } from './prng.js';
import type { EnvironmentName, FaultRule } from './types.js';

// Fault injection. Rules are tried in order; the first that fires decides the answer. A rule
// counts every request it matches (for `skip`), counts the times it fired (for `times`), and
// draws from the seeded PRNG only when its rate is below 1, so a run is repeatable. Rules with
// afterApply are judged after the operation succeeded; all others before anything happens.

interface RuleState {
  rule: FaultRule;
  pattern: RegExp;
  matched: number;
  applied: number;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** Throws with a readable reason when a rule cannot mean anything. */
export function validateFaultRule(rule: FaultRule): void {
  const where = `fault rule for ${JSON.stringify(rule.path)}`;
  if (typeof rule.path !== 'string' || !(rule.path.startsWith('/') || rule.path === '*')) throw new Error(`${where}: path must start with "/" (or be "*")`);
  const kinds = [rule.status !== undefined, rule.drop === true, rule.malformed === true, rule.pause === true].filter(Boolean).length;
  if (kinds !== 1) throw new Error(`${where}: give exactly one of status, drop, malformed or pause`);
  if (rule.pause === true && rule.afterApply === true) throw new Error(`${where}: pause holds the answer of an operation that is applied anyway; leave out afterApply`);
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) throw new Error(`${where}: status must be an integer 400..599`);
  if (rule.rate !== undefined && !(typeof rule.rate === 'number' && rule.rate >= 0 && rule.rate <= 1)) throw new Error(`${where}: rate must be between 0 and 1`);
  if (rule.body !== undefined && !['tripletex', 'html', 'problem'].includes(rule.body)) throw new Error(`${where}: body must be tripletex, html or problem`);
  if (rule.body !== undefined && rule.status === undefined) throw new Error(`${where}: body needs a status`);
  if (rule.resetSeconds !== undefined && rule.status !== 429) throw new Error(`${where}: resetSeconds needs status 429`);
  for (const key of ['times', 'skip', 'retryAfterSeconds', 'resetSeconds'] as const) {
    const value = rule[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new Error(`${where}: ${key} must be a whole number ≥ 0`);
  }
  if (rule.environment !== undefined && rule.environment !== 'production' && rule.environment !== 'test') throw new Error(`${where}: environment must be production or test`);
}

export class FaultEngine {
  private states: RuleState[] = [];
  appliedCount = 0;

  constructor(private readonly rng: Rng) {}

  set(rules: readonly FaultRule[]): void {
    for (const rule of rules) validateFaultRule(rule);
    this.states = rules.map((rule) => ({ rule: { ...rule }, pattern: globToRegExp(rule.path), matched: 0, applied: 0 }));
  }

  /** The rule that fires for this request in this phase, if any (and counts it). */
  decide(request: { method: string; environment: EnvironmentName; path: string }, phase: 'before' | 'after'): FaultRule | undefined {
    for (const state of this.states) {
      const { rule } = state;
      if ((rule.afterApply === true) !== (phase === 'after')) continue;
      if (rule.method && rule.method !== '*' && rule.method.toUpperCase() !== request.method) continue;
      if (rule.environment && rule.environment !== request.environment) continue;
      if (!state.pattern.test(request.path)) continue;
      state.matched++;
      if (state.matched <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && state.applied >= rule.times) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.rng.next() >= rate) continue;
      state.applied++;
      this.appliedCount++;
      return rule;
    }
    return undefined;
  }
}

/**
 * Answers held by pause rules until a test lets them go: a way to stop a client mid-run at a
 * point the test chooses (after page N), whatever the machine's speed.
 */
export class PauseGate {
  #waiting: (() => void)[] = [];
  #watchers: { count: number; resolve: () => void }[] = [];

  get waiting(): number {
    return this.#waiting.length;
  }

  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      this.#watchers = this.#watchers.filter((w) => (this.#waiting.length >= w.count ? (w.resolve(), false) : true));
    });
  }

  until(count: number): Promise<void> {
    if (this.#waiting.length >= count) return Promise.resolve();
    return new Promise<void>((resolve) => this.#watchers.push({ count, resolve }));
  }

  release(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** Tripletex once answered a 500 with an HTML page titled "Feilsituasjon - Tripletex" (recorded); the text below is the simulator's own. */
const HTML_ERROR_PAGE = `<!DOCTYPE html>
<html lang="no">
<head>
<meta charset="utf-8">
<title>Feilsituasjon - Tripletex</title>
</head>
<body>
<h1>Feilsituasjon</h1>
<p>Det oppstod en uventet feil hos Tripletex. Feilen er logget.</p>
<p>Prøv igjen om litt, eller kontakt kundestøtte hvis feilen ikke går over.</p>
</body>
</html>
`;

/** What the client sees when a rule fires. */
export function faultResponse(rule: FaultRule): SimResponse {
  if (rule.drop) return { status: 0, drop: true, fault: 'drop' };
  if (rule.malformed) {
    // Cut off mid-object, the way a proxy that lost the upstream connection delivers it.
    return { status: 200, rawBody: '{"value":{"id":1,"version":0,"name":"Avbr', fault: 'malformed', headers: { 'content-type': 'application/json; charset=utf-8' } };
  }
  const status = rule.status ?? 500;
  const headers: Record<string, string> = {};
  if (status === 429 && rule.retryAfterSeconds !== undefined) headers['retry-after'] = String(rule.retryAfterSeconds);
  if (status === 429 && rule.resetSeconds !== undefined) {
    // A chosen window end, e.g. a huge one to test a client's cap on waiting.
    headers['x-rate-limit-reset'] = String(rule.resetSeconds);
    headers['x-rate-limit-remaining'] = '0';
  }
  if (rule.body === 'html') {
    return { status, rawBody: HTML_ERROR_PAGE, headers: { ...headers, 'content-type': 'text/html;charset=UTF-8' }, fault: 'status' };
  }
  if (rule.body === 'problem') {
    // A gateway in front of Tripletex answered: RFC 7807, and none of Tripletex's headers.
    const problem = { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: 'The gateway could not get an answer from the upstream service.' };
    return { status, rawBody: JSON.stringify(problem), headers: { ...headers, 'content-type': 'application/problem+json' }, fault: 'status', foreign: true };
  }
  // errorResponse gives each status Tripletex's code for it; 429 and unlisted statuses get none.
  const response = errorResponse(status, { headers });
  return { ...response, fault: 'status' };
}

/**
 * The CLI's compact rule syntax:  [METHOD:]PATH=ACTION[@RATE][,OPTION...]
 *   ACTION  a status (500, 429, 503…), `drop`, `malformed` or `pause`
 *   OPTION  times=N · skip=N · after-apply · retry-after=SECONDS · reset=SECONDS · body=tripletex|html|problem · rate=P · env=production|test
 * e.g.  GET:/customer=500@0.1   POST:/customer=drop,after-apply   *:/ledger/*=malformed,times=3
 *       GET:/customer=500,body=html   /invoice=502,body=problem   /customer=429,reset=99999999
 */
export function parseFaultSpec(spec: string): FaultRule {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`"${spec}" is not [METHOD:]PATH=ACTION[@RATE][,OPTION...]`);
  const target = spec.slice(0, eq).trim();
  const [actionPart = '', ...options] = spec
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim());
  const rule: FaultRule = { path: target };
  const methodMatch = /^([A-Za-z]+|\*):(.+)$/.exec(target);
  if (methodMatch) {
    if (methodMatch[1] !== '*') rule.method = methodMatch[1]!.toUpperCase();
    rule.path = methodMatch[2]!;
  }
  const [action = '', rate] = actionPart.split('@');
  if (action === 'drop') rule.drop = true;
  else if (action === 'pause') rule.pause = true;
  else if (action === 'malformed') rule.malformed = true;
  else if (/^\d{3}$/.test(action)) rule.status = Number(action);
  else throw new Error(`"${spec}": action must be a status code, drop, malformed or pause`);
  const number = (text: string | undefined, what: string): number => {
    const n = Number(text);
    if (text === undefined || text === '' || !Number.isFinite(n)) throw new Error(`"${spec}": ${what} must be a number`);
    return n;
  };
  if (rate !== undefined) rule.rate = number(rate, 'rate');
  for (const option of options) {
    if (option === '') continue;
    const [key, value] = option.split('=');
    switch (key) {
      case 'times':
        rule.times = number(value, 'times');
        break;
      case 'skip':
        rule.skip = number(value, 'skip');
        break;
      case 'rate':
        rule.rate = number(value, 'rate');
        break;
      case 'retry-after':
        rule.retryAfterSeconds = number(value, 'retry-after');
        break;
      case 'reset':
        rule.resetSeconds = number(value, 'reset');
        break;
      case 'body':
        if (value !== 'tripletex' && value !== 'html' && value !== 'problem') throw new Error(`"${spec}": body must be tripletex, html or problem`);
        rule.body = value;
        break;
      case 'after-apply':
        rule.afterApply = true;
        break;
      case 'env':
        if (value !== 'production' && value !== 'test') throw new Error(`"${spec}": env must be production or test`);
        rule.environment = value;
        break;
      default:
        throw new Error(`"${spec}": unknown option ${JSON.stringify(key)}`);
    }
  }
  validateFaultRule(rule);
  return rule;
}
