/**
 * Requests into the app from inside it, with no network, through the same pipeline as a
 * client's (dispatch.ts): `self` (a relative URL, or `self.alt`) goes through the routes
 * exactly as a client request would — reserved paths, 404 when nothing matches, the
 * spin-* headers of the matching route; `<id>.spin.internal` goes straight to that
 * component, private ones included, with the headers Spin gives a chained request (a
 * synthetic `/...` match: the whole path is spin-path-info, client address 0.0.0.0:0).
 * Each is one level deeper than the guest request that made it (the pool knows that
 * request's depth by its id, which the host's bridge set: no guest or client can forge
 * it), and past the pool's limit it is a 508. Bodies stream both ways: the caller's body
 * is pulled as the callee reads it (request-body.ts), the callee's response is the pool's stream.
 */
import { Readable } from 'node:stream';
import type { WorkerPool } from '../../components/pool.js';
import type { AppHttp, AppHttpRequest, AppHttpResponse, AppHttpTarget } from '../../factors/factor.js';
import type { HttpInterface } from './detect.js';
import type { Dispatch } from './dispatch.js';
import { RequestBody } from './request-body.js';
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from './server.js';

/** What Spin reports as the client of a chained request. */
const CHAINED_CLIENT_ADDR = '0.0.0.0:0';

export interface InternalHttpOptions {
  dispatch: Dispatch;
  pool: WorkerPool;
  kinds: ReadonlyMap<string, HttpInterface>;
  /** The listener's origin (`http://127.0.0.1:3000`): the host a `self` request names. */
  origin: string;
  maxRequestBodyBytes?: number;
}

export function createInternalHttp(opts: InternalHttpOptions): AppHttp {
  const { dispatch, pool, kinds } = opts;
  const maxBody = opts.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  const selfHost = new URL(opts.origin).host;

  return {
    async send(target: AppHttpTarget, req: AppHttpRequest): Promise<AppHttpResponse> {
      if ('component' in target && !kinds.has(target.component)) throw new Error(`the app has no component '${target.component}'`);
      const callerDepth = pool.chainDepthOf(req.caller);
      if (callerDepth === undefined) throw new Error('the request that made this one has ended');
      const res = await dispatch({
        target: 'self' in target ? { routes: true } : { component: target.component },
        method: req.method,
        pathWithQuery: req.pathWithQuery,
        authority: 'self' in target ? selfHost : `${target.component}.spin.internal`,
        headers: req.headers,
        clientAddr: CHAINED_CLIENT_ADDR,
        body: new RequestBody(req.body ?? Readable.from([]), maxBody),
        signal: req.signal,
        depth: callerDepth + 1,
      });
      return { status: res.status, headers: res.headers, body: res.body };
    },
  };
}
