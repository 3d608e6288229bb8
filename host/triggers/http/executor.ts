/** The HTTP trigger's executor, imported by every guest worker (WorkerSetup.executorModule): one request, by the component's interface. */
import type { GuestExecutor } from '../../components/executor.js';
import { runWasiHttpP3 } from '../../components/p3/handler-p3.js';
import { methodFromString } from '../../wasi/http-types.js';
import type { HttpInterface } from './detect.js';
import { runInboundHttp } from './inbound-http.js';
import { PulledBody } from './pulled-body.js';
import type { HttpRequestPayload } from './request.js';
import { runWagi } from './wagi.js';
import { runWasiHttp } from './wasi-http.js';

export const execute: GuestExecutor = (instance, ctx) => {
  const kind = ctx.kind as HttpInterface;
  if (kind === 'wasi-http') runWasiHttp(instance, ctx);
  else if (kind === 'wasi-http-p3') {
    const req = ctx.payload as HttpRequestPayload;
    return runWasiHttpP3(
      instance,
      {
        method: methodFromString(req.method),
        pathWithQuery: req.pathWithQuery,
        scheme: { tag: req.scheme === 'https' ? 'HTTPS' : 'HTTP' },
        authority: req.authority,
        headers: req.headers,
        body: new PulledBody(ctx.callRequest, req.bodyPrefix, req.bodyComplete),
      },
      ctx.response,
    );
  } else if (kind === 'wagi') runWagi(instance, ctx);
  else runInboundHttp(instance, ctx);
};
