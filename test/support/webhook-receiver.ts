import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  event: string;
  body: Record<string, unknown>;
}

/** A local HTTP server that records every JSON POST; `failWith` makes it answer that status instead. */
export async function startWebhookReceiver(): Promise<{ url: string; received: Received[]; failWith?: number; close(): Promise<void> }> {
  const state: { url: string; received: Received[]; failWith?: number; close(): Promise<void> } = { url: '', received: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (state.failWith) {
        res.writeHead(state.failWith).end();
        return;
      }
      state.received.push({ event: String(req.headers['x-gantry-event']), body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
