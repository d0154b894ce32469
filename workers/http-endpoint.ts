/** What Gantry's small HTTP endpoints (hook status, codec server) share: listen addresses, bounded bodies, tokens. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from './usage-error.js';

export interface HttpEndpoint {
  /** http://host:port of the endpoint. */
  url: string;
  close(): Promise<void>;
}

/** Parses `host:port` (or `port`, on 127.0.0.1) as given to `flag`. */
export function parseListen(text: string, flag = '--hook-status-listen'): { host: string; port: number } {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new UsageError(`${flag} expects HOST:PORT or PORT (for example 127.0.0.1:8790); got ${JSON.stringify(text)}`);
  return { host: match[1] ?? '127.0.0.1', port };
}

/** The request body as text, or undefined when it is larger than `maxBytes` (read no further). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Compares a presented secret with the expected one in constant time. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Starts `server` on host:port (0: any free port) and says where it listens. */
export async function listen(server: Server, host = '127.0.0.1', port = 0): Promise<HttpEndpoint> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
