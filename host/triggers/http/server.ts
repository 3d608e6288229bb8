/**
 * The HTTP trigger: a Hono app that routes each request (routes.ts), adds Spin's
 * request headers (headers.ts) and hands it to a guest worker (components/pool.ts).
 * It sits beside the core and knows nothing of any host capability.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { AddressInfo } from 'node:net';
import type { App } from '../../app/types.js';
import { GuestFailure, type WorkerPool } from '../../components/pool.js';
import type { TriggerKind } from '../../components/protocol.js';
import { formatClientAddr, spinFullUrl, spinRequestHeaders } from './headers.js';
import { Router, reservedPathAction, type RouteInfo } from './routes.js';

export interface HttpTriggerOptions {
  app: App;
  pool: WorkerPool;
  kinds: ReadonlyMap<string, TriggerKind>;
  log: (line: string) => void;
}

/** Methods Spin's record-based inbound-http interface can express. */
const INBOUND_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

export function buildRouter(app: App): Router {
  const entries = app.httpTriggers
    .filter((t) => !t.private && t.route !== undefined)
    .map((t) => ({ route: t.route!, component: t.component, triggerId: t.id }));
  return new Router(entries, { base: app.httpBase });
}

function clientAddr(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string; remotePort?: number } } } | undefined)?.incoming;
  const socket = incoming?.socket;
  return socket?.remoteAddress ? formatClientAddr(socket.remoteAddress, socket.remotePort ?? 0) : '';
}

export function createHttpTrigger(opts: HttpTriggerOptions): { hono: Hono; router: Router } {
  const { app, pool, kinds } = opts;
  const router = buildRouter(app);
  for (const s of router.shadowed) opts.log(`route ${s.route} of component '${s.component}' is shadowed by the identical route of '${s.by}' declared later`);
  const hono = new Hono();

  hono.all('*', async (c) => {
    const url = new URL(c.req.url);
    // Match on the raw path as the client sent it (URL keeps percent-encoding).
    const path = url.pathname;
    const reserved = reservedPathAction(path);
    if (reserved === 'health') return c.text('OK', 200);
    if (reserved === 'info') return c.json({ name: app.name, version: app.version ?? null, runtime: 'spin-ts' });
    if (reserved === 'not-found') return c.body(null, 404);

    const match = router.match(path);
    if (!match) return c.body(null, 404);
    const kind = kinds.get(match.component);
    const method = c.req.method.toUpperCase();
    if (kind === 'inbound-http' && !INBOUND_METHODS.has(method)) return c.body(null, 405);

    const pathWithQuery = path + url.search;
    const headers: Array<[string, string]> = [];
    c.req.raw.headers.forEach((value, name) => headers.push([name, value]));
    headers.push(
      ...spinRequestHeaders({
        match,
        fullUrl: spinFullUrl({ host: c.req.header('host'), pathAndQuery: pathWithQuery }),
        clientAddr: clientAddr(c),
        basePath: app.httpBase,
      }),
    );
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const body = hasBody ? new Uint8Array(await c.req.arrayBuffer()) : null;

    try {
      const res = await pool.handle(
        match.component,
        { method, pathWithQuery, scheme: 'http', authority: c.req.header('host') ?? '', headers, body },
        c.req.raw.signal,
      );
      const out = new Headers();
      for (const [name, value] of res.headers) out.append(name, value);
      const nullBody = res.status === 204 || res.status === 304 || method === 'HEAD';
      if (nullBody) void res.body.cancel().catch(() => {});
      return new Response(nullBody ? null : res.body, { status: res.status, headers: out });
    } catch (err) {
      if (err instanceof GuestFailure) return c.text(err.status === 504 ? 'Request timed out\n' : `${err.message}\n`, err.status);
      opts.log(`[${match.component}] internal error: ${(err as Error).stack ?? err}`);
      return c.text('Internal Server Error\n', 500);
    }
  });
  return { hono, router };
}

/** Starts listening; resolves with the bound address once the socket is open. */
export async function listen(hono: Hono, host: string, port: number): Promise<{ server: ServerType; address: AddressInfo }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: hono.fetch, hostname: host, port }, (info) => resolve({ server, address: info }));
    server.once('error', reject);
  });
}

export function describeRoutes(router: Router, origin: string): string[] {
  return router.routes().map((r: RouteInfo) => `  ${r.component}: ${origin}${r.printPath}${r.wildcard ? ' (wildcard)' : ''}`);
}
