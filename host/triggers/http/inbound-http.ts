/** Runs a request on a guest that exports Spin's record-based fermyon:spin/inbound-http (worker side): its body is one list<u8>, read whole (within the host's cap). */
import type { ExecutionContext } from '../../components/executor.js';
import { PulledBody } from './pulled-body.js';
import { INBOUND_METHODS, type HttpRequestPayload } from './request.js';

export function runInboundHttp(instance: Record<string, any>, ctx: ExecutionContext): void {
  const req = ctx.payload as HttpRequestPayload;
  const handler = Object.entries(instance).find(([k]) => /^fermyon:spin\/inbound-http(@|$)/.test(k))?.[1];
  if (!INBOUND_METHODS.has(req.method.toUpperCase())) throw new Error(`method ${req.method} is not in inbound-http's method enum`);
  const res = handler.handleRequest({
    method: req.method.toLowerCase(),
    uri: req.pathWithQuery,
    headers: req.headers,
    params: [],
    body: new PulledBody(ctx.callRequest, req.bodyPrefix, req.bodyComplete).readAll(),
  }) as { status: number; headers?: Array<[string, string]>; body?: Uint8Array };
  if (!(res.status >= 100 && res.status <= 600)) throw new Error(`the guest returned status ${res.status}, outside 100–600`);
  ctx.response.setHead(res.status, res.headers ?? []);
  if (res.body) ctx.response.write(res.body);
  ctx.response.flush(true);
}
