import { request } from 'node:http';
import { osloDate, addDays } from '../../tooling/simulator/oslo-clock.js';
import type { EnvironmentName, RunningSimulator } from '../../tooling/simulator/index.js';

// Shared by the simulator's tests: every call goes over real HTTP to 127.0.0.1.

export type TokenKind = 'employee' | 'restricted' | 'accountant' | 'noApiAccess';

export function basic(companyId: number | string, token: string): string {
  return 'Basic ' + Buffer.from(`${companyId}:${token}`).toString('base64');
}

/** A date some days after today in Oslo, by the simulator's clock. */
export function osloInDays(days: number, now = Date.now()): string {
  return addDays(osloDate(now), days);
}

export async function createSession(
  sim: RunningSimulator,
  options: { environment?: EnvironmentName; kind?: TokenKind; expirationDate?: string; now?: number } = {},
): Promise<string> {
  const environment = options.environment ?? 'production';
  const tokens = sim.tokens[environment];
  const response = await fetch(`${sim[environment].url}/token/session/:create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      consumerToken: tokens.consumerToken,
      employeeToken: tokens.employeeTokens[options.kind ?? 'employee'],
      expirationDate: options.expirationDate ?? osloInDays(2, options.now),
    }),
  });
  const body = (await response.json()) as { value: { token: string } };
  if (response.status !== 201) throw new Error(`session create answered ${response.status}: ${JSON.stringify(body)}`);
  return body.value.token;
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(
  sim: RunningSimulator,
  path: string,
  options: { token?: string; companyId?: number | string; environment?: EnvironmentName; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = basic(options.companyId ?? 0, options.token);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim[options.environment ?? 'production'].url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** A clock a test moves by hand. */
export function manualClock(start: string | number): { now: () => number; set(t: string | number): void; advance(ms: number): void } {
  let current = typeof start === 'string' ? Date.parse(start) : start;
  return {
    now: () => current,
    set(t) {
      current = typeof t === 'string' ? Date.parse(t) : t;
    },
    advance(ms) {
      current += ms;
    },
  };
}

/** A GET whose path goes on the wire exactly as given (fetch would percent-encode ">"). */
export function rawGet(url: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
