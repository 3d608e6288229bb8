/**
 * The HTTP trigger: a Hono app that routes each request (routes.ts), adds Spin's
 * request headers (headers.ts) and hands it to a guest worker (components/pool.ts), its
 * body streamed as the guest reads it (request-body.ts) and its response written with
 * exactly the guest's headers (response.ts).
 * It sits beside the core and knows nothing of any host capability.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../../app/types.js';
import type { ServiceHandler } from '../../components/bridge.js';
import { GuestFailure, type GuestResponse, type WorkerPool } from '../../components/pool.js';
import type { HttpInterface } from './detect.js';
import { formatClientAddr, spinFullUrl, spinRequestHeaders } from './headers.js';
import { RequestBody } from './request-body.js';
import { BODY_PREFIX_BYTES, INBOUND_METHODS, READ_BODY, type HttpRequestPayload } from './request.js';
import { sendGuestResponse } from './response.js';
import { Router, reservedPathAction, type RouteInfo } from './routes.js';
import type { WagiPayload } from './wagi.js';

/** The module every guest worker imports to run an HTTP request (WorkerSetup.executorModule). */
export const HTTP_EXECUTOR_MODULE = new URL('./executor.js', import.meta.url).href;

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

function clientAddr(c: Context): string {
  const socket = (c.env as Partial<NodeBindings> | undefined)?.incoming?.socket;
  return socket?.remoteAddress ? formatClientAddr(socket.remoteAddress, socket.remotePort ?? 0) : '';
}

function tooLarge(c: Context, maxBytes: number): Response {
  // The rest of the body is not read: close the connection rather than drain it.
  c.header('connection', 'close');
  return c.text(`Request body larger than ${maxBytes} bytes\n`, 413);
}

export function createHttpTrigger(opts: HttpTriggerOptions): { hono: Hono; router: Router } {
  const { app, pool, kinds } = opts;
  const maxBody = opts.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const router = buildRouter(app);
  const wagiArgv = new Map(app.httpTriggers.flatMap((t) => (t.executor?.type === 'wagi' ? [[t.id, t.executor.argv] as const] : [])));
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
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > maxBody) return tooLarge(c, maxBody);

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
    const { incoming, outgoing } = c.env as NodeBindings;
    const body = new RequestBody(incoming, maxBody);
    let prefix: { bytes: Uint8Array; complete: boolean };
    try {
      prefix = await body.prefix(Math.min(BODY_PREFIX_BYTES, maxBody + 1), c.req.raw.signal);
    } catch (err) {
      // Past the cap (a cap under 64 KiB), or the client went away mid-body.
      if (body.exceeded) return tooLarge(c, maxBody);
      return c.text(`${(err as Error).message}\n`, 400);
    }
    const payload: HttpRequestPayload = {
      method,
      pathWithQuery,
      scheme: 'http',
      authority: c.req.header('host') ?? '',
      headers,
      bodyPrefix: prefix.bytes,
      bodyComplete: prefix.complete,
    };
    const argv = wagiArgv.get(match.triggerId);
    if (argv !== undefined) (payload as WagiPayload).argv = argv;
    const service: ServiceHandler = async (m, args, ctx) => {
      if (m !== READ_BODY) throw new Error(`unknown request method '${m}'`);
      const [window, max] = args as [SharedArrayBuffer, number];
      return body.readInto(window, max, ctx.signal);
    };

    const running = pool.handle(match.component, payload, c.req.raw.signal, service);
    let res: GuestResponse | 'too-large';
    try {
      res = await Promise.race([running, body.tooLarge.then(() => 'too-large' as const)]);
    } catch (err) {
      if (err instanceof GuestFailure) return c.text(err.status === 504 ? 'Request timed out\n' : `${err.message}\n`, err.status);
      opts.log(`[${match.component}] internal error: ${(err as Error).stack ?? err}`);
      return c.text('Internal Server Error\n', 500);
    }
    if (res === 'too-large') {
      // The guest saw its read fail; whatever it answers now is read and dropped (cancelling would cost its worker).
      running
        .then(
          (r) => r.body.pipeTo(new WritableStream()),
          () => {},
        )
        .catch(() => {});
      return tooLarge(c, maxBody);
    }
    try {
      await sendGuestResponse(outgoing, res, method);
    } catch (err) {
      // writeHead refused a header the guest set (Node's header rules are stricter than WASI's).
      opts.log(`[${match.component}] cannot send the guest's response: ${(err as Error).message}`);
      void res.body.cancel().catch(() => {});
      if (!outgoing.headersSent) return c.text('Internal Server Error\n', 500);
      outgoing.destroy();
    }
    return RESPONSE_ALREADY_SENT;
  });
  return { hono, router };
}

export function describeRoutes(router: Router, origin: string): string[] {
  return router.routes().map((r: RouteInfo) => `  ${r.component}: ${origin}${r.printPath}${r.wildcard ? ' (wildcard)' : ''}`);
}
