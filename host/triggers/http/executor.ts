/** The HTTP trigger's executor, imported by every guest worker (WorkerSetup.executorModule): one request, by the component's interface. */
import type { GuestExecutor } from '../../components/executor.js';
import type { HttpInterface } from './detect.js';
import { runInboundHttp } from './inbound-http.js';
import { runWagi } from './wagi.js';
import { runWasiHttp } from './wasi-http.js';

export const execute: GuestExecutor = (instance, ctx) => {
  const kind = ctx.kind as HttpInterface;
  if (kind === 'wasi-http') runWasiHttp(instance, ctx);
  else if (kind === 'wagi') runWagi(instance, ctx);
  else runInboundHttp(instance, ctx);
};
