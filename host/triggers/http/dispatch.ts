/**
 * The one request pipeline of the HTTP trigger, for client requests (server.ts) and
 * requests a guest makes into its own app (internal.ts): reserved paths and routing, the
 * methods inbound-http can express, the body cap, the spin-* headers (client copies
 * stripped), the executor's payload (WAGI argv included), the chain depth and its limit,
 * the worker pool, and every failure mapped to a status. A fix here holds for both paths.
 */
import type { App } from '../../app/types.js';
import type { ServiceHandler } from '../../components/bridge.js';
import { GuestFailure, type GuestResponse, type WorkerPool } from '../../components/pool.js';
import type { HttpInterface } from './detect.js';
import { hostAnswer, hostJson } from './host-answer.js';
import { spinFullUrl, spinRequestHeaders, withoutSpinHeaders } from './headers.js';
import type { RequestBody } from './request-body.js';
import { BODY_PREFIX_BYTES, INBOUND_METHODS, READ_BODY, type HttpRequestPayload } from './request.js';
import { reservedPathAction, stripQuery, type RouteMatch, type Router } from './routes.js';
import type { WagiPayload } from './wagi.js';

/** Where a request goes: through the routes (a client, or `self`), or straight to one component (`<id>.spin.internal`). */
export type DispatchTarget = { routes: true } | { component: string };

export interface DispatchRequest {
  target: DispatchTarget;
  method: string;
  /** Path and query as the caller sent them (percent-encoding kept: routes match the raw path). */
  pathWithQuery: string;
  /** The Host the guest sees (spin-full-url, the WASI authority). */
  authority: string;
  /** The caller's headers; copies of the host's own spin-* headers are dropped here. */
  headers: Array<[string, string]>;
  /** `ip:port` for spin-client-addr. */
  clientAddr: string;
  body: RequestBody;
  signal: AbortSignal;
  /** How many guest requests this one is nested in: 0 for a client, the caller's depth + 1 for a request from a guest. */
  depth: number;
}

export interface DispatchOptions {
  app: App;
  pool: WorkerPool;
  router: Router;
  kinds: ReadonlyMap<string, HttpInterface>;
  maxRequestBodyBytes: number;
  log: (line: string) => void;
}

export type Dispatch = (req: DispatchRequest) => Promise<GuestResponse>;

/** A match as if the component had the route `/...`: what Spin's service chaining uses. */
function chainedMatch(app: App, component: string, path: string): RouteMatch {
  const trigger = app.httpTriggers.find((t) => t.component === component);
  return { component, triggerId: trigger?.id ?? component, route: '/...', params: {}, rawParams: {}, pathInfo: path, matchedRoute: '/...' };
}

function tooLarge(maxBytes: number): GuestResponse {
  // The rest of the body is not read: a client connection closes rather than drain it.
  const answer = hostAnswer(413, `Request body larger than ${maxBytes} bytes\n`);
  return { ...answer, headers: [...answer.headers, ['connection', 'close']] };
}

function failure(err: GuestFailure): GuestResponse {
  return hostAnswer(err.status, err.status === 504 ? 'Request timed out\n' : `${err.message}\n`);
}

export function createDispatch(opts: DispatchOptions): Dispatch {
  const { app, pool, router, kinds, log } = opts;
  const maxBody = opts.maxRequestBodyBytes;
  const wagiArgv = new Map(app.httpTriggers.flatMap((t) => (t.executor?.type === 'wagi' ? [[t.id, t.executor.argv] as const] : [])));

  /** The route (or the chained component) the request goes to, or the host's own answer. */
  function resolve(req: DispatchRequest, path: string): RouteMatch | GuestResponse {
    if ('component' in req.target) return chainedMatch(app, req.target.component, path);
    const reserved = reservedPathAction(path);
    if (reserved === 'health') return hostAnswer(200, 'OK');
    if (reserved === 'info') return hostJson(200, { name: app.name, version: app.version ?? null, runtime: 'spin-ts' });
    if (reserved === 'not-found') return hostAnswer(404);
    return router.match(path) ?? hostAnswer(404);
  }

  return async function dispatch(req: DispatchRequest): Promise<GuestResponse> {
    const resolved = resolve(req, stripQuery(req.pathWithQuery));
    if ('status' in resolved) return resolved;
    const match = resolved;
    if (req.depth > pool.maxChainDepth) {
      log(
        `[${match.component}] request refused with 508: it is nested ${req.depth} requests deep through self or *.spin.internal (the most is ${pool.maxChainDepth}); is a component calling itself?`,
      );
      return hostAnswer(508, `Loop Detected: this request is nested ${req.depth} requests deep inside the app (the most is ${pool.maxChainDepth})\n`);
    }
    const method = req.method.toUpperCase();
    if (kinds.get(match.component) === 'inbound-http' && !INBOUND_METHODS.has(method)) return hostAnswer(405);
    const declared = Number(req.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1] ?? 0);
    if (declared > maxBody) return tooLarge(maxBody);

    const headers = withoutSpinHeaders(req.headers);
    headers.push(
      ...spinRequestHeaders({
        match,
        fullUrl: spinFullUrl({ host: req.authority, pathAndQuery: req.pathWithQuery }),
        clientAddr: req.clientAddr,
        basePath: app.httpBase,
      }),
    );
    const body = req.body;
    let prefix: { bytes: Uint8Array; complete: boolean };
    try {
      prefix = await body.prefix(Math.min(BODY_PREFIX_BYTES, maxBody + 1), req.signal);
    } catch (err) {
      // Past the cap (a cap under 64 KiB), or the caller went away mid-body.
      if (body.exceeded) return tooLarge(maxBody);
      return hostAnswer(400, `${(err as Error).message}\n`);
    }
    const payload: HttpRequestPayload = {
      method,
      pathWithQuery: req.pathWithQuery,
      scheme: 'http',
      authority: req.authority,
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

    const running = pool.handle(match.component, payload, req.signal, service, { chainDepth: req.depth });
    let res: GuestResponse | 'too-large';
    try {
      res = await Promise.race([running, body.tooLarge.then(() => 'too-large' as const)]);
    } catch (err) {
      if (err instanceof GuestFailure) return failure(err);
      log(`[${match.component}] internal error: ${(err as Error).stack ?? err}`);
      return hostAnswer(500, 'Internal Server Error\n');
    }
    if (res === 'too-large') {
      // The guest saw its read fail; whatever it answers now is read and dropped (cancelling would cost its worker).
      running
        .then(
          (r) => r.body.pipeTo(new WritableStream()),
          () => {},
        )
        .catch(() => {});
      return tooLarge(maxBody);
    }
    return withoutHopByHop(res);
  };
}

/**
 * Connection-level headers a guest may not set (wasmtime's wasi:http refuses them in its
 * fields): the host frames and keeps the connection, so a guest's copies never reach the
 * client or an in-app caller. `content-length` stays: it is the guest's exact body length.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function withoutHopByHop(res: GuestResponse): GuestResponse {
  if (!res.headers.some(([n]) => HOP_BY_HOP.has(n.toLowerCase()))) return res;
  return { ...res, headers: res.headers.filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase())) };
}
