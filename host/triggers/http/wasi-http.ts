/** Runs a request on a guest that exports wasi:http/incoming-handler@0.2.x (worker side). */
import type { ExecutionContext } from '../../components/executor.js';
import { Fields, IncomingRequest, methodFromString, ResponseOutparam, type ResponseReceiver } from '../../wasi/http-types.js';
import { PulledBody } from './pulled-body.js';
import type { HttpRequestPayload } from './request.js';

export function runWasiHttp(instance: Record<string, any>, ctx: ExecutionContext): void {
  const req = ctx.payload as HttpRequestPayload;
  const writer = ctx.response;
  const handler = Object.entries(instance).find(([k]) => /^wasi:http\/incoming-handler@0\.2\./.test(k))?.[1];
  let failure: string | undefined;
  const receiver: ResponseReceiver = {
    head(status, headers) {
      writer.setHead(status, headers);
      return { write: (bytes) => writer.write(bytes) };
    },
    end() {
      writer.flush(true);
    },
    error(message) {
      failure = message;
    },
  };
  const outparam = new ResponseOutparam(receiver);
  const request = new IncomingRequest({
    method: methodFromString(req.method),
    pathWithQuery: req.pathWithQuery,
    scheme: { tag: req.scheme === 'https' ? 'HTTPS' : 'HTTP' },
    authority: req.authority,
    headers: Fields.fromPairs(req.headers, true),
    body: new PulledBody(ctx.callRequest, req.bodyPrefix, req.bodyComplete),
  });
  handler.handle(request, outparam);
  if (failure !== undefined) throw new Error(failure);
  if (!outparam.wasSet) throw new Error('the guest returned without setting a response');
  // A guest may return without finishing its body: the response ends when it returns.
  writer.flush(true);
}
