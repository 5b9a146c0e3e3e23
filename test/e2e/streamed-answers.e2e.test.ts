import type { ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { CancelledError, TripletexNetworkError } from '../../contract/errors.js';
import { isWireFailure, send, type WireRequest, type WireResponse } from '../../client/transport.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';

// client/transport.ts parses a 2xx answer while it streams (client/streaming-json.ts). Over a
// real socket on 127.0.0.1: what comes out is what JSON.parse of the whole answer gives,
// however the server cuts its writes and whatever it compresses with, and every guarantee the
// transport gave before still holds: the size cap on inflated bytes, answers cut short, nesting
// bounded, error bodies kept, cancellation and timeouts.

const MB = 1024 * 1024;
const SOCKET_SLACK = 16 * MB;

const ROWS = Array.from({ length: 40 }, (_, i) => ({ id: 9007199254740993 + i * 2, name: `Bjørn Ærø ${i}`, note: '"]}[{,:\\', nested: { a: [i, { b: null }] } }));
const PAGE_TEXT =
  '{"fullResultSize":41,"from":0,"count":41,"__proto__":{"polluted":true},"values":[' +
  ROWS.map((row) => JSON.stringify(row)).join(',') +
  ',{"id":12345678901234567890,"__proto__":{"x":1}}],"versionDigest":"d1"}';

async function outcome(promise: Promise<WireResponse>): Promise<{ response?: WireResponse; error?: unknown }> {
  try {
    return { response: await promise };
  } catch (failure) {
    return { error: isWireFailure(failure) ? failure.error : failure };
  }
}

/** Writes `bytes` in pieces of `size`, one per turn of the event loop, so the client reads them as separate chunks. */
function writeInPieces(res: ServerResponse, bytes: Buffer, size: number, end = true): void {
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    if (at >= bytes.length) {
      if (end) res.end();
      else res.destroy();
      return;
    }
    res.write(bytes.subarray(at, at + size));
    at += size;
    setImmediate(next);
  };
  next();
}

describe('answers parsed as they stream', () => {
  let server: HostileServer;
  const request = (extra: Partial<WireRequest> = {}): WireRequest => ({ environment: 'production', method: 'GET', path: '/customer', timeoutMs: 60_000, ...extra });

  beforeAll(async () => {
    server = await startHostileServer('CANARY-streamed-session-1');
    process.env.TRIPLETEX_PRODUCTION_URL = server.url;
  });
  afterAll(async () => {
    await server.close();
    delete process.env.TRIPLETEX_PRODUCTION_URL;
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it.each([1, 7, 1000, 65536])('gives what JSON.parse gives when the server writes %i bytes at a time: big ids, "__proto__", non-ASCII', async (size) => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-tlx-request-id': 'req-1' });
      writeInPieces(res, Buffer.from(PAGE_TEXT), size);
    });
    const response = await send(request());
    expect(response.status).toBe(200);
    expect(response.requestId).toBe('req-1');
    expect(response.body).toStrictEqual(JSON.parse(PAGE_TEXT));
    const body = response.body as { values: { id: number }[] };
    expect(body.values[0]!.id).toBe(9007199254740992); // rounded exactly as JSON.parse rounds it
    expect(body.values.at(-1)!.id).toBe(12345678901234567000);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('inflates a %s answer as it streams', async (encoding, compress) => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      writeInPieces(res, compress(Buffer.from(PAGE_TEXT)), 500);
    });
    const response = await send(request());
    expect(response.body).toStrictEqual(JSON.parse(PAGE_TEXT));
  });

  it('counts inflated bytes against the cap: a small gzip that inflates past it is abandoned', async () => {
    // 1 MB of zeros compresses to about a kilobyte; inflated it is 20 times the cap.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"values":["'), Buffer.alloc(20 * MB, 0x30), Buffer.from('"]}')]));
    expect(bomb.length).toBeLessThan(MB);
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const { error } = await outcome(send(request({ maxResponseBytes: MB })));
    expect(error).toBeInstanceOf(TripletexNetworkError);
    expect(error).toMatchObject({ failure: 'too-large' });
  });

  it('abandons an endless answer at the cap while streaming, having read no more than the cap', async () => {
    const row = JSON.stringify({ id: 1, name: 'x'.repeat(1000) }) + ',';
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"values":[');
      const pump = () => {
        while (!res.destroyed && res.write(row.repeat(64))) {
          // until the socket pushes back
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const { error } = await outcome(send(request({ maxResponseBytes: 2 * MB })));
    expect(error).toMatchObject({ failure: 'too-large' });
    await server.settled();
    expect(server.calls()[0]!.bytesWritten).toBeLessThan(2 * MB + SOCKET_SLACK);
  });

  it('refuses an answer that ends inside its rows as not JSON, naming the status and request id', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-tlx-request-id': 'req-cut' });
      writeInPieces(res, Buffer.from(PAGE_TEXT.slice(0, PAGE_TEXT.length / 2)), 4096);
    });
    const { error } = await outcome(send(request()));
    expect(error).toBeInstanceOf(TripletexNetworkError);
    expect(error).toMatchObject({ failure: 'malformed-response', requestId: 'req-cut' });
    expect((error as Error).message).toMatch(/status 200: not JSON/);
  });

  it('reports a connection dropped in the middle of the rows as a lost connection, not as bad JSON', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      writeInPieces(res, Buffer.from(PAGE_TEXT.slice(0, PAGE_TEXT.length / 2)), 4096, false);
    });
    const { error } = await outcome(send(request()));
    expect(error).toBeInstanceOf(TripletexNetworkError);
    expect(error).toMatchObject({ failure: 'reset' });
  });

  it('refuses an answer nested thousands of levels deep as soon as it passes the limit, without reading the rest', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"values":[');
      const pump = () => {
        while (!res.destroyed && res.write('{"a":['.repeat(10_000))) {
          // endless nesting
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const { error } = await outcome(send(request({ maxResponseBytes: 40 * MB })));
    expect(error).toMatchObject({ failure: 'malformed-response' });
    expect((error as Error).message).toMatch(/nested deeper than 66 levels .*more than any Tripletex answer/);
    await server.settled();
    expect(server.calls()[0]!.bytesWritten).toBeLessThan(SOCKET_SLACK);
  });

  it('refuses a 2xx answer that is not JSON', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>CANARY-streamed-page</body></html>');
    });
    const { error } = await outcome(send(request()));
    expect(error).toMatchObject({ failure: 'malformed-response' });
    expect((error as Error).message).not.toMatch(/CANARY/);
  });

  it('decodes as UTF-8 whatever charset the answer names, as JSON must be', async () => {
    for (const charset of ['UTF-8', 'iso-8859-1']) {
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': `application/json;charset=${charset}` });
        res.end(Buffer.from('{"values":[{"name":"Bjørn Åsen"}]}'));
      });
      expect((await send(request())).body).toEqual({ values: [{ name: 'Bjørn Åsen' }] });
    }
  });

  it('keeps error bodies: a JSON envelope parsed, a gateway page described, an absurdly deep one not parsed', async () => {
    server.handle((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      writeInPieces(res, Buffer.from('{"status":404,"code":6000,"message":"Object not found"}'), 5);
    });
    expect(await send(request())).toMatchObject({ status: 404, body: { status: 404, code: 6000, message: 'Object not found' } });

    server.handle((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body>upstream down</body></html>');
    });
    const gateway = await send(request());
    expect(gateway).toMatchObject({ status: 502, body: undefined });
    expect(gateway.foreign).toMatch(/an HTML page: "502 Bad Gateway — upstream down"/);

    server.handle((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('['.repeat(5000) + ']'.repeat(5000));
    });
    const deep = await send(request());
    expect(deep).toMatchObject({ status: 500, body: undefined });
    expect(deep.foreign).toBeDefined();
  });

  it('does not follow a redirect: the 302 is the answer', async () => {
    server.handle((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    });
    expect(await send(request())).toMatchObject({ status: 302, body: undefined });
  });

  it('sends a POST with its body and a DELETE without one, and reads their answers', async () => {
    const seen: string[] = [];
    server.handle((req, res) => {
      seen.push(`${req.method} ${req.headers['content-length'] ?? '-'}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"value":{"id":1}}');
    });
    expect((await send(request({ method: 'POST', path: '/customer', body: { name: 'Ny AS' } }))).body).toEqual({ value: { id: 1 } });
    expect((await send(request({ method: 'DELETE', path: '/customer/1' }))).status).toBe(200);
    expect(seen).toEqual([`POST ${Buffer.byteLength(JSON.stringify({ name: 'Ny AS' }))}`, 'DELETE -']);
  });

  it('is cancelled in the middle of the rows', async () => {
    const controller = new AbortController();
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"values":[{"id":1},');
      setImmediate(() => controller.abort());
    });
    const { error } = await outcome(send(request({ signal: controller.signal })));
    expect(error).toBeInstanceOf(CancelledError);
  });

  it('times out in the middle of the rows', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"values":[{"id":1},');
    });
    const { error } = await outcome(send(request({ timeoutMs: 300 })));
    expect(error).toMatchObject({ failure: 'timeout' });
  });

  it('is not disturbed when its signal aborts just after the answer ended (a page fetched ahead, dropped at the end)', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"values":[]}');
      });
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        const response = await send(request({ signal: controller.signal }));
        controller.abort();
        expect(response.body).toEqual({ values: [] });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
