import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy } from 'proxy';

// A real HTTP proxy (the npm package `proxy`) on 127.0.0.1, with a tap on every connection a
// client opens to it: the bytes the client sent and the bytes the proxy sent back, which is
// everything the proxy (or anyone on the way to it) could read.

export interface TappedConnection {
  /** Client → proxy: the CONNECT (or plain) request, then whatever went through the tunnel. */
  fromClient: Buffer[];
  /** Proxy → client: the proxy's answer, then whatever came back through the tunnel. */
  toClient: Buffer[];
}

export interface TappedProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  connections: TappedConnection[];
  /** "METHOD target" of every request the proxy received, CONNECTs included. */
  requests: string[];
  /** Every byte seen in either direction, as latin1 text (one character per byte). */
  everything(): string;
  close(): Promise<void>;
}

export interface TappedProxyOptions {
  /** Answers 407 when this returns false. */
  authenticate?: (request: IncomingMessage) => boolean;
  /** Answers every CONNECT with this status (a proxy whose policy forbids the target) and tunnels nothing. */
  refuse?: number;
}

function asBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk as Uint8Array);
}

export async function startTappedProxy(options: TappedProxyOptions = {}): Promise<TappedProxy> {
  const server = options.refuse === undefined ? createProxy(createServer()) : createServer();
  if (options.authenticate && options.refuse === undefined) (server as ReturnType<typeof createProxy>).authenticate = options.authenticate;
  if (options.refuse !== undefined) {
    const status = options.refuse;
    server.on('connect', (_request: IncomingMessage, socket: Socket) => socket.end(`HTTP/1.1 ${status} Refused by policy\r\nContent-Length: 0\r\n\r\n`));
  }
  const connections: TappedConnection[] = [];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    const tapped: TappedConnection = { fromClient: [], toClient: [] };
    connections.push(tapped);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => tapped.fromClient.push(Buffer.from(chunk)));
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      tapped.toClient.push(asBuffer(chunk, rest[0]));
      return write(chunk, ...rest);
    }) as Socket['write'];
  });
  server.on('connect', (request: IncomingMessage) => requests.push(`CONNECT ${request.url}`));
  server.on('request', (request: IncomingMessage) => requests.push(`${request.method} ${request.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    requests,
    everything: () => connections.map((c) => Buffer.concat([...c.fromClient, ...c.toClient]).toString('latin1')).join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens: connecting to it is refused at once. */
export async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The forms a secret can take on the wire: as is, URL-encoded, and base64 at each of the three
 * alignments it can have inside a longer encoded string (only the characters that do not depend
 * on the neighbours are kept).
 */
export function wireForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.from('\0'.repeat(offset) + secret).toString('base64');
    const stableStart = Math.ceil((offset * 4) / 3);
    const stableEnd = Math.floor(((offset + Buffer.byteLength(secret)) * 4) / 3) - 1;
    const middle = encoded.slice(stableStart, stableEnd + 1);
    if (middle.length >= 8) forms.add(middle);
  }
  return [...forms];
}

/** The simulator's session tokens are base64 of {"tokenId":…}; every one begins with this. */
export const SESSION_TOKEN_PREFIX = Buffer.from('{"tokenId"').toString('base64').slice(0, 12);

/** Everything a session token or a Basic value built from one looks like on the wire. */
export function sessionTokenForms(): string[] {
  return [SESSION_TOKEN_PREFIX, ...wireForms(`:${SESSION_TOKEN_PREFIX}`)];
}
