/**
 * Requests into the app from inside it, with no network: `self` (a relative URL) goes
 * through the routes exactly as a client request would — reserved paths, 404 when nothing
 * matches, the spin-* headers of the matching route; `<id>.spin.internal` goes straight to
 * that component, private ones included, with the headers Spin gives a chained request (a
 * synthetic `/...` match: the whole path is spin-path-info, client address 0.0.0.0:0).
 * Both run on the trigger's own worker pool, and their bodies stream both ways: the
 * caller's body is pulled as the callee reads it (request-body.ts), the callee's response
 * is the pool's stream.
 */
import { Readable } from 'node:stream';
import type { App } from '../../app/types.js';
import type { ServiceHandler } from '../../components/bridge.js';
import { GuestFailure, type WorkerPool } from '../../components/pool.js';
import type { AppHttp, AppHttpRequest, AppHttpResponse, AppHttpTarget } from '../../factors/factor.js';
import type { HttpInterface } from './detect.js';
import { spinFullUrl, spinRequestHeaders } from './headers.js';
import { RequestBody } from './request-body.js';
import { BODY_PREFIX_BYTES, INBOUND_METHODS, READ_BODY, type HttpRequestPayload } from './request.js';
import { reservedPathAction, type RouteMatch, type Router } from './routes.js';
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from './server.js';

/** What Spin reports as the client of a chained request. */
const CHAINED_CLIENT_ADDR = '0.0.0.0:0';

export interface InternalHttpOptions {
  app: App;
  pool: WorkerPool;
  router: Router;
  kinds: ReadonlyMap<string, HttpInterface>;
  /** The listener's origin (`http://127.0.0.1:3000`): the host a `self` request names. */
  origin: string;
  maxRequestBodyBytes?: number;
}

function answer(status: number, text = '', type = 'text/plain'): AppHttpResponse {
  const bytes = new TextEncoder().encode(text);
  return {
    status,
    headers: text ? [['content-type', type]] : [],
    body: new ReadableStream({
      start(c) {
        if (bytes.length > 0) c.enqueue(bytes);
        c.close();
      },
    }),
  };
}

/** A match as if the component had the route `/...`: what Spin's service chaining uses. */
function chainedMatch(app: App, component: string, path: string): RouteMatch {
  const trigger = app.httpTriggers.find((t) => t.component === component);
  return { component, triggerId: trigger?.id ?? component, route: '/...', params: {}, rawParams: {}, pathInfo: path, matchedRoute: '/...' };
}

export function createInternalHttp(opts: InternalHttpOptions): AppHttp {
  const { app, pool, router, kinds } = opts;
  const maxBody = opts.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const selfHost = new URL(opts.origin).host;

  return {
    async send(target: AppHttpTarget, req: AppHttpRequest): Promise<AppHttpResponse> {
      const queryAt = req.pathWithQuery.indexOf('?');
      const path = queryAt >= 0 ? req.pathWithQuery.slice(0, queryAt) : req.pathWithQuery;
      let match: RouteMatch | undefined;
      let host: string;
      if ('self' in target) {
        const reserved = reservedPathAction(path);
        if (reserved === 'health') return answer(200, 'OK');
        if (reserved === 'info') return answer(200, JSON.stringify({ name: app.name, version: app.version ?? null, runtime: 'spin-ts' }), 'application/json');
        if (reserved === 'not-found') return answer(404);
        match = router.match(path);
        if (!match) return answer(404);
        host = selfHost;
      } else {
        if (!kinds.has(target.component)) throw new Error(`the app has no component '${target.component}'`);
        match = chainedMatch(app, target.component, path);
        host = `${target.component}.spin.internal`;
      }
      const method = req.method.toUpperCase();
      if (kinds.get(match.component) === 'inbound-http' && !INBOUND_METHODS.has(method)) return answer(405);

      const headers = req.headers.filter(([name]) => !name.toLowerCase().startsWith('spin-'));
      headers.push(
        ...spinRequestHeaders({
          match,
          fullUrl: spinFullUrl({ host, pathAndQuery: req.pathWithQuery }),
          clientAddr: CHAINED_CLIENT_ADDR,
          basePath: app.httpBase,
        }),
      );
      const body = new RequestBody(req.body ?? Readable.from([]), maxBody);
      let prefix: { bytes: Uint8Array; complete: boolean };
      try {
        prefix = await body.prefix(Math.min(BODY_PREFIX_BYTES, maxBody + 1), req.signal);
      } catch (err) {
        if (body.exceeded) return answer(413, `Request body larger than ${maxBody} bytes\n`);
        throw err;
      }
      const payload: HttpRequestPayload = {
        method,
        pathWithQuery: req.pathWithQuery,
        scheme: 'http',
        authority: host,
        headers,
        bodyPrefix: prefix.bytes,
        bodyComplete: prefix.complete,
      };
      const service: ServiceHandler = async (m, args, ctx) => {
        if (m !== READ_BODY) throw new Error(`unknown request method '${m}'`);
        const [window, max] = args as [SharedArrayBuffer, number];
        return body.readInto(window, max, ctx.signal);
      };
      try {
        const res = await pool.handle(match.component, payload, req.signal, service);
        return { status: res.status, headers: res.headers, body: res.body };
      } catch (err) {
        if (err instanceof GuestFailure) return answer(err.status, err.status === 504 ? 'Request timed out\n' : `${err.message}\n`);
        throw err;
      }
    },
  };
}
