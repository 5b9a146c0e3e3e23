import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A server that answers the way a misbehaving Tripletex, proxy or gateway might: each test
// decides every answer. Sessions are created the Tripletex way (POST /v2/token/session/:create
// → 201 with the token the test chose), so the pack reaches the request under test. It listens
// on 127.0.0.1 only, and counts what it sent so a test can say how much a client read.

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  /** Bytes of body this server managed to write for the answer before it ended or the client left. */
  bytesWritten: number;
  /** True once the answer ended or the client went away. */
  done: boolean;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>;

export interface HostileServer {
  /** Base URL with /v2, for TRIPLETEX_PRODUCTION_URL. */
  url: string;
  requests: SeenRequest[];
  /** Requests other than session creation. */
  calls(): SeenRequest[];
  /** Session creations asked for. */
  sessionCreations(): SeenRequest[];
  handle(handler: Handler): void;
  /** Resolves when every answer so far has ended or been abandoned by the client. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Leave session creation unanswered (the client must give up or be cancelled). */
  holdSessions?: boolean;
}

export async function startHostileServer(sessionToken: string, options: HostileOptions = {}): Promise<HostileServer> {
  let handler: Handler = (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"status":404,"code":6000,"message":"Object not found"}');
  };
  const requests: SeenRequest[] = [];
  const open = new Set<Promise<void>>();

  const server: Server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, bytesWritten: 0, done: false };
    requests.push(seen);
    const write = res.write.bind(res) as (chunk: string | Buffer, ...rest: unknown[]) => boolean;
    res.write = ((chunk: string | Buffer, ...rest: unknown[]) => {
      seen.bytesWritten += Buffer.byteLength(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    const finished = new Promise<void>((resolve) => {
      const end = () => {
        seen.done = true;
        resolve();
      };
      res.once('close', end);
    });
    open.add(finished);
    void finished.then(() => open.delete(finished));
    req.resume();
    req.once('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v2/token/session/:create')) {
        if (options.holdSessions) return;
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ value: { id: 1, version: 0, token: sessionToken, expirationDate: '2999-12-31' } }));
        return;
      }
      void (async () => handler(req, res, seen))().catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v2`,
    requests,
    calls: () => requests.filter((r) => !r.url.startsWith('/v2/token/session/')),
    sessionCreations: () => requests.filter((r) => r.url.startsWith('/v2/token/session/:create')),
    handle(next) {
      handler = next;
    },
    async settled() {
      while (open.size > 0) await Promise.all([...open]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes a JSON list body that never ends, as fast as the client reads it. */
export function endlessList(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.write('{"fullResultSize":1,"from":0,"count":1,"values":[');
  const row = JSON.stringify({ id: 1, name: 'x'.repeat(1000) }) + ',';
  const chunk = row.repeat(64);
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) {
      // keep writing until the socket pushes back
    }
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}
