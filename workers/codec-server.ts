/**
 * `gantry codec-server`: Temporal's codec server protocol over Gantry's payload codec, so the Temporal
 * UI (Settings → Codec Server) and CLI (`--codec-endpoint`, `--codec-auth`) show encrypted payloads to
 * those who hold its token. `POST /decode` and `POST /encode` (also under `/{namespace}/…`) take and
 * give `{"payloads": [...]}` in proto3 JSON (bytes in base64); browsers get CORS answers for the
 * origins allowed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto;
import { listen, readBody, sameSecret, type HttpEndpoint } from './http-endpoint.js';
import type { EncryptingCodec } from './payload-codec.js';

/** A history's worth of payloads; Temporal limits one payload to 2 MiB by default. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const ROUTE = /^\/(?:[^/]+\/)?(encode|decode)\/?$/;

export interface CodecServerOptions {
  host?: string;
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (the CLI's `--codec-auth`). */
  token?: string;
  /** Browser origins (the Temporal UI's) allowed to call it, e.g. http://localhost:8233. */
  allowOrigins?: string[];
}

function toWire(payload: Payload): unknown {
  return temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(payload), { bytes: String });
}

function fromWire(value: unknown, index: number): Payload {
  if (typeof value !== 'object' || value === null) throw new TypeError(`payloads[${index}] must be an object with metadata and data`);
  try {
    return temporal.api.common.v1.Payload.fromObject(value) as Payload;
  } catch (err) {
    throw new TypeError(`payloads[${index}]: ${(err as Error).message}`, { cause: err });
  }
}

export async function serveCodec(codec: EncryptingCodec, options: CodecServerOptions = {}): Promise<HttpEndpoint> {
  const origins = new Set(options.allowOrigins ?? []);
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && origins.has(origin)
        ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', 'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization', 'access-control-allow-methods': 'POST, OPTIONS', vary: 'Origin' }
        : {};
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1];
    if (!route) return send(res, 404, { message: 'the codec server serves POST /encode and POST /decode (also under /{namespace}/)' }, cors);
    if (req.method === 'OPTIONS') {
      res.writeHead(origin && origins.has(origin) ? 204 : 403, cors);
      return void res.end();
    }
    if (req.method !== 'POST') return send(res, 405, { message: `${route} takes POST` }, cors);
    if (options.token) {
      const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!presented || !sameSecret(presented, options.token)) return send(res, 401, { message: 'the request does not carry the codec server token (Authorization: Bearer …)' }, cors);
    }
    const text = await readBody(req, MAX_BODY_BYTES);
    if (text === undefined) return send(res, 413, { message: `the request is larger than ${MAX_BODY_BYTES} bytes` }, cors);
    let payloads: Payload[];
    try {
      const body = JSON.parse(text) as { payloads?: unknown };
      if (!Array.isArray(body?.payloads)) throw new TypeError('the body must be {"payloads": [...]}');
      payloads = body.payloads.map(fromWire);
    } catch (err) {
      return send(res, 400, { message: err instanceof SyntaxError ? 'the body is not JSON' : (err as Error).message }, cors);
    }
    try {
      const converted = route === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      send(res, 200, { payloads: converted.map(toWire) }, cors);
    } catch (err) {
      send(res, 400, { message: (err as Error).message }, cors);
    }
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { message: err instanceof Error ? err.message : String(err) }));
  });
  return listen(server, options.host, options.port);
}
