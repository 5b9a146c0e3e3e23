import type { ServerResponse } from 'node:http';
import { run } from '../../actions/rest-api-request-with-paging.js';
import { TripletexApiError } from '../../contract/errors.js';
import { runCli, cleanEnv } from '../host/e2e/cli-process.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { everyRendering, freshProcessState, outcome, recordingContext, type RecordingContext } from './support.js';

// A server, proxy or gateway that echoes the request's credentials back in its error answer, in
// any form: the Authorization value without "Basic ", with "basic " in lower case, the decoded
// "companyId:sessionToken", inside an HTML page or a problem document, placed where a cut at
// 200 characters would split it. None of it may come out of the pack, not even a piece.

const CONSUMER = 'CANARY-echo-consumer-4f2a91c3';
const EMPLOYEE = 'CANARY-echo-employee-7b1e50d8';
const SESSION = 'CANARY-echo-session-2c8d6e4a9f17';
const COMPANY = 4411;

const encoded = (companyId: number) => Buffer.from(`${companyId}:${SESSION}`).toString('base64');

/** Every secret the run involves, in every form the server may echo. */
function secretForms(): string[] {
  return [CONSUMER, EMPLOYEE, SESSION, encoded(0), encoded(COMPANY), `0:${SESSION}`, `${COMPANY}:${SESSION}`];
}

/** Fails if any piece of 12 or more characters of a secret shows in text: a cut token is still a leak. */
function expectNoPiece(text: string): void {
  for (const secret of secretForms()) {
    for (let start = 0; start + 12 <= secret.length; start++) {
      const piece = secret.slice(start, start + 12);
      if (text.includes(piece)) throw new Error(`a piece of a secret (${JSON.stringify(piece)}) appears in:\n${text.slice(Math.max(0, text.indexOf(piece) - 80), text.indexOf(piece) + 80)}`);
    }
  }
}

/** The credential and the session token over and over, so that a cut anywhere in the first 1,500 characters splits one. */
function repeated(credential: string): string {
  return `Credential ${credential} session ${SESSION} `.repeat(15);
}

function answer(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

describe('credentials echoed back by a server', () => {
  let server: HostileServer;
  const connection = { name: 'Echo', consumerToken: CONSUMER, employeeToken: EMPLOYEE, defaultCompanyId: COMPANY };

  beforeAll(async () => {
    server = await startHostileServer(SESSION);
    process.env.TRIPLETEX_PRODUCTION_URL = server.url;
  });
  afterAll(async () => {
    await server.close();
    delete process.env.TRIPLETEX_PRODUCTION_URL;
  });
  beforeEach(() => freshProcessState());

  /** The Authorization value this request carried, without its scheme. */
  const credentialOf = (authorization: string | undefined) => (authorization ?? '').replace(/^Basic /, '');

  const forms: [string, (authorization: string | undefined) => [number, string, string], RegExp][] = [
    ['the encoded value without "Basic "', (a) => [422, 'application/json', JSON.stringify({ status: 422, code: 15000, message: `Rejected credentials ${credentialOf(a)}` })], /Rejected credentials \[redacted\]/],
    ['"basic" in lower case', (a) => [400, 'application/json', JSON.stringify({ status: 400, message: `got authorization: basic ${credentialOf(a)}` })], /authorization: basic \[redacted\]/],
    ['the decoded companyId:sessionToken', (a) => [401, 'application/json', JSON.stringify({ status: 401, message: `login ${Buffer.from(credentialOf(a), 'base64').toString()} refused` })], /login \[redacted\] refused/],
    [
      'an HTML page with the token where a 200-character cut would split it',
      (a) => [403, 'text/html', `<!doctype html><html><head><title>Access denied</title></head><body><p>Your request was stopped by the gateway. ${repeated(credentialOf(a))}</p></body></html>`],
      /an HTML page: "Access denied — Your request was stopped by the gateway\./,
    ],
    ['plain text', (a) => [404, 'text/plain', `no route: ${repeated(credentialOf(a))}`], /a text\/plain answer: "no route: Credential/],
    ['an RFC 7807 problem document', (a) => [422, 'application/problem+json', JSON.stringify({ type: 'about:blank', title: 'Bad credentials', status: 422, detail: `Authorization: BASIC ${credentialOf(a)}` })], /a problem document: "Bad credentials: Authorization: BASIC \[redacted\]"/],
  ];

  it.each(forms)('never shows %s', async (_name, reply, useful) => {
    server.handle((req, res) => answer(res, ...reply(req.headers.authorization)));
    const ctx: RecordingContext = recordingContext();
    const { error } = await outcome(run({ connection, path: '/customer' }, ctx));
    expect(error).toBeInstanceOf(TripletexApiError);
    // The useful part of the answer is kept …
    expect((error as Error).message).toMatch(useful);
    // … and not one piece of a credential, wherever the error or the logs can be seen.
    expectNoPiece(everyRendering(error) + '\n' + ctx.lines.join('\n'));
  });

  it('scrubs every retry of a GET answered 500 with the credential, in logs and error', async () => {
    server.handle((req, res) => answer(res, 500, 'text/plain', `upstream failed for ${credentialOf(req.headers.authorization)}`));
    const ctx = recordingContext();
    const { error } = await outcome(run({ connection, path: '/customer' }, ctx));
    expect(error).toMatchObject({ status: 500 });
    expect(ctx.lines.filter((line) => line.startsWith('warn') && /Retrying/.test(line)).length).toBe(4);
    expectNoPiece(everyRendering(error) + '\n' + ctx.lines.join('\n'));
  }, 60_000);

  it.each([
    ['as the digest', () => SESSION],
    ['inside the sentence Tripletex sends where it has no change detection', (a: string | undefined) => `Checksum not supported for ${credentialOf(a)} (session ${SESSION})`],
  ])('never hands on a versionDigest that carries them %s', async (_name, digest) => {
    server.handle((req, res) => answer(res, 200, 'application/json', JSON.stringify({ fullResultSize: 1, from: 0, count: 1, versionDigest: digest(req.headers.authorization), values: [{ id: 1 }] })));
    const ctx = recordingContext();
    const summary = await run({ connection, path: '/customer', ifNoneMatch: 'abc' }, ctx);
    expect(summary.items).toBe(1);
    expectNoPiece(JSON.stringify(summary) + '\n' + JSON.stringify(ctx.pages) + '\n' + ctx.lines.join('\n'));
  });

  it('keeps the CLI\'s --json output and its stderr free of them', async () => {
    server.handle((req, res) => answer(res, 422, 'text/html', `<html><title>Denied</title><body>basic ${credentialOf(req.headers.authorization)}</body></html>`));
    const result = await runCli(['request', 'GET', '/customer', '--company-id', String(COMPANY), '--json'], {
      env: cleanEnv({ TRIPLETEX_PRODUCTION_URL: server.url, TRIPLETEX_CONSUMER_TOKEN: CONSUMER, TRIPLETEX_EMPLOYEE_TOKEN: EMPLOYEE }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Denied/);
    expectNoPiece(result.all);
  });
});
