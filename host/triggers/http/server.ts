/**
 * The HTTP trigger's listener: a Hono app that hands each client request to the one
 * request pipeline (dispatch.ts: routes, Spin's headers, the guest worker), its body
 * streamed as the guest reads it (request-body.ts), and writes the response with exactly
 * the guest's headers (response.ts).
 * It sits beside the core and knows nothing of any host capability.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../../app/types.js';
import type { WorkerPool } from '../../components/pool.js';
import type { HttpInterface } from './detect.js';
import { createDispatch, type Dispatch } from './dispatch.js';
import { formatClientAddr } from './headers.js';
import { RequestBody } from './request-body.js';
import { sendGuestResponse } from './response.js';
import { Router, type RouteInfo } from './routes.js';

/**
 * Default cap on a request body: 100 MiB. Bodies stream, so the cap is not about host
 * memory; it bounds what one client can make a guest swallow (an inbound-http guest gets
 * the body whole in its linear memory, 512 MiB by default), and it is the upload limit
 * big proxies put in front of apps (Cloudflare's default plans cap bodies at 100 MB).
 */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

export interface HttpTriggerOptions {
  app: App;
  pool: WorkerPool;
  kinds: ReadonlyMap<string, HttpInterface>;
  /** Larger request bodies get 413 (default DEFAULT_MAX_REQUEST_BODY_BYTES). */
  maxRequestBodyBytes?: number;
  log: (line: string) => void;
}

interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

export function buildRouter(app: App): Router {
  const entries = app.httpTriggers
    .filter((t) => !t.private && t.route !== undefined)
    .map((t) => ({ route: t.route!, component: t.component, triggerId: t.id }));
  return new Router(entries, { base: app.httpBase });
}

function clientAddr(env: Partial<NodeBindings> | undefined): string {
  const socket = env?.incoming?.socket;
  return socket?.remoteAddress ? formatClientAddr(socket.remoteAddress, socket.remotePort ?? 0) : '';
}

/**
 * The listener's Hono app. Hono answers HEAD by running the GET handler and wrapping its
 * Response anew, which loses the marker saying the handler already wrote the response:
 * @hono/node-server then wrote the head a second time (ERR_HTTP_HEADERS_SENT) and the
 * keep-alive connection died. HEAD goes to the handler directly instead.
 */
class TriggerApp extends Hono {
  constructor(handle: (request: Request, env: NodeBindings) => Promise<Response>) {
    super();
    this.all('*', (c) => handle(c.req.raw, c.env as NodeBindings));
    const viaRoutes = this.fetch;
    this.fetch = (request, env, ctx) => (request.method === 'HEAD' ? handle(request, env as NodeBindings) : viaRoutes(request, env, ctx));
  }
}

export function createHttpTrigger(opts: HttpTriggerOptions): { hono: Hono; router: Router; dispatch: Dispatch } {
  const { app, pool, kinds, log } = opts;
  const maxBody = opts.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const router = buildRouter(app);
  for (const s of router.shadowed) log(`route ${s.route} of component '${s.component}' is shadowed by the identical route of '${s.by}' declared later`);
  const dispatch = createDispatch({ app, pool, router, kinds, maxRequestBodyBytes: maxBody, log });

  async function handle(request: Request, env: NodeBindings): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method;
    const headers: Array<[string, string]> = [];
    request.headers.forEach((value, name) => headers.push([name, value]));
    const { incoming, outgoing } = env;
    const res = await dispatch({
      target: { routes: true },
      method,
      // The raw path as the client sent it (URL keeps percent-encoding).
      pathWithQuery: url.pathname + url.search,
      authority: request.headers.get('host') ?? '',
      headers,
      clientAddr: clientAddr(env),
      body: new RequestBody(incoming, maxBody),
      signal: request.signal,
      depth: 0,
    });
    try {
      await sendGuestResponse(outgoing, res, method.toUpperCase());
    } catch (err) {
      // writeHead refused a header the guest set (Node's header rules are stricter than WASI's).
      log(`cannot send the response to ${method} ${url.pathname}: ${(err as Error).message}`);
      void res.body.cancel().catch(() => {});
      if (!outgoing.headersSent) return new Response('Internal Server Error\n', { status: 500, headers: { 'content-type': 'text/plain; charset=UTF-8' } });
      outgoing.destroy();
    }
    return RESPONSE_ALREADY_SENT;
  }

  return { hono: new TriggerApp(handle), router, dispatch };
}

export function describeRoutes(router: Router, origin: string): string[] {
  return router.routes().map((r: RouteInfo) => `  ${r.component}: ${origin}${r.printPath}${r.wildcard ? ' (wildcard)' : ''}`);
}
