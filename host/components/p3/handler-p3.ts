/**
 * Runs one request on a guest that exports wasi:http/handler@0.3.x (worker side): calls its
 * async `handle`, whose task jco drives through the guest's callback, then sends the head
 * and drains the guest's body stream into the response as it is written. Resolves when the
 * response is complete; rejects when the guest traps or answers an error-code (the worker
 * turns that into a 500, or a reset once the head is gone). A guest that never answers or
 * never closes its body leaves this pending: the pool's deadline ends it (504, or an
 * aborted response).
 */
import type { ResponseWriter } from '../response-writer.js';
import type { ByteSource } from '../../wasi/io.js';
import type { Method, Scheme } from '../../wasi/http-types.js';
import { FieldsP3, RequestP3, ResponseP3 } from './http-types-p3.js';

export interface P3Request {
  method: Method;
  pathWithQuery: string;
  scheme: Scheme;
  authority: string;
  headers: Array<[string, string]>;
  body: ByteSource;
}

const READ_BYTES = 64 * 1024;

function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  return new Uint8Array(0);
}

function describeErrorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'tag' in err) {
    const { tag, val } = err as { tag: string; val?: unknown };
    return `the guest answered the error-code ${tag}${val === undefined ? '' : ` (${JSON.stringify(val, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))})`}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A trailers future's value: ok(…) passes, err(error-code) fails the response. */
function checkTrailers(value: unknown): void {
  if (value && typeof value === 'object' && (value as { tag?: unknown }).tag === 'err') {
    throw new Error(`the guest ended its response body with ${describeErrorCode((value as { val: unknown }).val)}`);
  }
}

export async function runWasiHttpP3(instance: Record<string, any>, req: P3Request, writer: ResponseWriter): Promise<void> {
  const handler = Object.entries(instance).find(([k]) => /^wasi:http\/handler@0\.3\./.test(k))?.[1] as
    { handle(request: RequestP3): Promise<unknown> } | undefined;
  if (!handler) throw new Error('the component has no wasi:http/handler@0.3 export');
  const request = RequestP3.incoming({
    method: req.method,
    pathWithQuery: req.pathWithQuery,
    scheme: req.scheme,
    authority: req.authority,
    headers: FieldsP3.fromStrings(req.headers, true),
    body: req.body,
  });
  let response: unknown;
  try {
    response = await handler.handle(request);
  } catch (err) {
    if (err instanceof Error) throw err;
    throw new Error(describeErrorCode(err));
  }
  if (!(response instanceof ResponseP3)) throw new Error('the guest answered something that is not a wasi:http/types@0.3 response');
  writer.setHead(response.getStatusCode(), response.getHeaders().toPairs());
  const body = response.contents;
  try {
    if (body) {
      for (;;) {
        const r = await body.read({ count: READ_BYTES });
        if (r.done) break;
        writer.write(bytesOf(r.value));
        // Each piece goes out as soon as the guest has written it (a streaming guest's client sees it).
        writer.flush();
      }
    }
    checkTrailers(await response.trailers);
  } catch (err) {
    response.transmitted.resolve({ tag: 'err', val: { tag: 'internal-error', val: String(err) } });
    throw err;
  }
  response.transmitted.resolve({ tag: 'ok', val: undefined });
  writer.flush(true);
}
