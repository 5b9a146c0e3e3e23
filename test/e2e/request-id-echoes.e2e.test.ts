import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../actions/rest-api-request-with-paging.js';
import { TripletexApiError } from '../../contract/errors.js';
import { loadPack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { DEFAULT_MANIFEST } from '../../tooling/host/paths.js';
import { startDesigner, type RunningDesigner } from '../../tooling/designer/server/start.js';
import { cleanEnv, runCli } from '../host/e2e/cli-process.js';
import { tempDir } from '../host/helpers.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { everyRendering, freshProcessState, outcome, recordingContext } from './support.js';

// The request id is a server string like any other. A gateway that puts the credential there
// (`0:<sessionToken>`, in the body's requestId or the x-tlx-request-id header) must not get the
// session token into an error (message, toJSON, util.inspect), a page the action emits, the
// CLI's output or --json, a file a flow appends to, or the designer's run stream. Nor may a
// token echoed lower-cased, or inside the base64 of a larger text. The host's redactor learns
// the session tokens the pack creates through the modules' watchSecrets export.

jest.setTimeout(60_000);

const CONSUMER = 'CANARY-rid-consumer-5d1a7e93';
const EMPLOYEE = 'CANARY-rid-employee-0b6c24f8';
const SESSION = 'CANARY-rid-session-9e3f7a51c2d8';
const COMPANY = 0;

/** Fails if any piece of 12 or more characters of the session token shows in text. */
function expectNoPiece(text: string): void {
  for (const secret of [SESSION, `0:${SESSION}`, CONSUMER, EMPLOYEE]) {
    for (let start = 0; start + 12 <= secret.length; start++) {
      const piece = secret.slice(start, start + 12);
      for (const form of [piece, piece.toLowerCase()]) {
        if (text.includes(form)) throw new Error(`a piece of a secret (${JSON.stringify(form)}) appears in:\n${text.slice(Math.max(0, text.indexOf(form) - 80), text.indexOf(form) + 80)}`);
      }
    }
  }
}

/** Every run of base64 characters in text, decoded at each of the four character alignments. */
function base64Decodings(text: string): string {
  const out: string[] = [];
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{8,}/g)) {
    for (let shift = 0; shift < 4; shift++) out.push(Buffer.from(run.slice(shift).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
  }
  return out.join('\n');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A list of one page whose answer carries the credential as its request id. */
function listEchoingHeader(_req: IncomingMessage, res: ServerResponse): void {
  json(res, 200, { fullResultSize: 2, from: 0, count: 2, values: [{ id: 1 }, { id: 2 }] }, { 'x-tlx-request-id': `0:${SESSION}` });
}

/** An error whose body and header both carry the credential as the request id. */
function errorEchoingRequestId(_req: IncomingMessage, res: ServerResponse): void {
  json(res, 422, { status: 422, code: 15000, message: 'Validering feilet', requestId: `0:${SESSION}` }, { 'x-tlx-request-id': `${COMPANY}:${SESSION}` });
}

describe('a request id that carries the credential', () => {
  let server: HostileServer;
  const connection = { name: 'Echo', consumerToken: CONSUMER, employeeToken: EMPLOYEE };

  beforeAll(async () => {
    server = await startHostileServer(SESSION);
    process.env.TRIPLETEX_PRODUCTION_URL = server.url;
  });
  afterAll(async () => {
    await server.close();
    delete process.env.TRIPLETEX_PRODUCTION_URL;
  });
  beforeEach(() => freshProcessState());

  it('is scrubbed in the error: message, fields, toJSON, util.inspect and JSON.stringify', async () => {
    server.handle(errorEchoingRequestId);
    const ctx = recordingContext();
    const { error } = await outcome(run({ connection, path: '/customer' }, ctx));
    expect(error).toBeInstanceOf(TripletexApiError);
    // The pack knows both the session token and the credential made of it ("0:<token>"); either is replaced whole.
    expect((error as TripletexApiError).requestId).toBe('[redacted]');
    expect((error as Error).message).toContain('(request id [redacted])');
    expectNoPiece(everyRendering(error) + '\n' + ctx.lines.join('\n'));
  });

  it('is scrubbed in the pages the action emits', async () => {
    server.handle(listEchoingHeader);
    const ctx = recordingContext();
    const { value, error } = await outcome(run({ connection, path: '/customer', itemsPerPage: 10 }, ctx));
    expect(error).toBeUndefined();
    expect(ctx.pages).toHaveLength(1);
    expect((ctx.pages[0] as { requestId: string }).requestId).toBe('[redacted]');
    expectNoPiece(everyRendering(ctx.pages) + everyRendering(value) + ctx.lines.join('\n'));
  });

  it('is scrubbed when echoed lower-cased, or inside the base64 of a larger text', async () => {
    const document = (pad: string) => Buffer.from(JSON.stringify({ pad, user: 'integration', auth: `0:${SESSION}`, at: 1 })).toString('base64');
    // Three paddings put the token at each of the three byte offsets a base64 text can have.
    for (const pad of ['', 'x', 'xy']) {
      freshProcessState();
      server.handle((_req, res) => json(res, 400, { status: 400, message: `bad session ${SESSION.toLowerCase()} trace=${document(pad)}`, requestId: `trace ${document(pad)}` }));
      const { error } = await outcome(run({ connection, path: '/customer' }, recordingContext()));
      expect(error).toBeInstanceOf(TripletexApiError);
      const rendered = everyRendering(error);
      expect((error as Error).message).toContain('bad session [redacted] trace=');
      expectNoPiece(rendered);
      expectNoPiece(base64Decodings(rendered));
    }
  });

  it("reaches the host's redactor through watchSecrets, once the pack has made the session", async () => {
    server.handle(listEchoingHeader);
    const redactor = new Redactor();
    const pack = await loadPack(DEFAULT_MANIFEST, { onSecret: (value) => redactor.add(value) });
    const action = await pack.actions.get('rest-api-request-with-paging')!.load();
    await action.run({ connection, path: '/customer' }, recordingContext());
    expect(redactor.redact(`echo ${SESSION} and ${SESSION.toUpperCase()}`)).toBe('echo [redacted] and [redacted]');
  });
});

describe('the hosts, with a gateway that echoes the credential as the request id', () => {
  let server: HostileServer;
  let dir: string;
  let workspace: string;
  const env = () => cleanEnv({ TRIPLETEX_PRODUCTION_URL: server.url, CANARY_CONSUMER: CONSUMER, CANARY_EMPLOYEE: EMPLOYEE, XDG_CONFIG_HOME: join(dir, 'config') });

  beforeAll(async () => {
    server = await startHostileServer(SESSION);
    dir = tempDir();
    workspace = join(dir, 'workspace.json');
    writeFileSync(
      workspace,
      JSON.stringify({ objects: [{ type: 'tripletex-connection', properties: { name: 'Echo', consumerToken: { $env: 'CANARY_CONSUMER' }, employeeToken: { $env: 'CANARY_EMPLOYEE' }, useTestEnvironment: false } }] }),
    );
    mkdirSync(join(dir, 'flows'));
    writeFileSync(
      join(dir, 'flows', 'echo.flow.json'),
      JSON.stringify({
        flowFormat: 1,
        name: 'Echo',
        steps: [
          { id: 'ok', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Echo' }, path: '/customer' }, forEachPage: { steps: [{ appendTo: 'pages.jsonl', value: { $from: 'page' } }] } },
          { id: 'fails', action: 'rest-api-request-with-paging', inputs: { connection: { $workspace: 'Echo' }, path: '/employee' }, onError: [{ appendTo: 'errors.jsonl', value: { $from: 'error' } }] },
        ],
      }),
    );
    server.handle((req, res) => (req.url?.startsWith('/v2/employee') ? errorEchoingRequestId(req, res) : listEchoingHeader(req, res)));
  });
  afterAll(async () => {
    await server.close();
  });

  it('the CLI: request --json, and run with its output and appendTo files', async () => {
    const request = await runCli(['request', 'GET', '/employee', '--workspace', workspace, '--connection', 'Echo', '--json'], { env: env() });
    expect(request.code).toBe(1);
    expect(request.stderr).toContain('request id [redacted]');
    expectNoPiece(request.all);

    const out = join(dir, 'cli-out');
    const flow = await runCli(['run', join(dir, 'flows', 'echo.flow.json'), '--workspace', workspace, '--out-dir', out, '--json'], { env: env() });
    expect(flow.code).toBe(0);
    const files = readFileSync(join(out, 'pages.jsonl'), 'utf8') + readFileSync(join(out, 'errors.jsonl'), 'utf8');
    expect(files).toContain('"requestId":"[redacted]"');
    expectNoPiece(flow.all + files);
  });

  it("the designer's run stream", async () => {
    const saved = { ...process.env };
    let designer: RunningDesigner | undefined;
    try {
      Object.assign(process.env, env());
      freshProcessState();
      designer = await startDesigner({ workspace, flows: join(dir, 'flows'), outDir: join(dir, 'designer-out') });
      const document = JSON.parse(readFileSync(join(dir, 'flows', 'echo.flow.json'), 'utf8'));
      const response = await fetch(`http://127.0.0.1:${designer.port}/api/runs`, {
        method: 'POST',
        headers: { 'x-designer-token': designer.token, 'content-type': 'application/json' },
        body: JSON.stringify({ flowId: 'echo.flow.json', document }),
      });
      const stream = await response.text();
      expect(stream).toContain('"type":"done"');
      expect(stream).toContain('(request id [redacted])');
      expectNoPiece(stream);
    } finally {
      await designer?.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
