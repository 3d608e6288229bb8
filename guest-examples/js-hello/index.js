// A wasi:http guest: says hello and echoes the request it got (method, path, headers,
// body) as JSON. Also shows its environment and any mounted file named by ?file=.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { getEnvironment } from 'wasi:cli/environment@0.2.3';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readBody(request) {
  const body = request.consume();
  const stream = body.stream();
  const chunks = [];
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (e) {
      if (e.payload && e.payload.tag === 'closed') break;
      throw e;
    }
    chunks.push(chunk);
  }
  stream[Symbol.dispose]?.();
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

function send(responseOut, status, contentType, text, extraHeaders = []) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode(contentType));
  for (const [k, v] of extraHeaders) headers.append(k, encoder.encode(v));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  const bytes = encoder.encode(text);
  // Write in pieces no larger than check-write allows, as WASI asks.
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(Number(out.checkWrite()), bytes.length - at, 4096);
    out.write(bytes.subarray(at, at + n));
    at += n;
  }
  out.blockingFlush();
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

export const incomingHandler = {
  handle(request, responseOut) {
    const method = request.method();
    const pathWithQuery = request.pathWithQuery() ?? '/';
    const headers = {};
    for (const [name, value] of request.headers().entries()) headers[name] = decoder.decode(value);
    const body = decoder.decode(readBody(request));
    const echo = {
      message: 'Hello from a JavaScript component on spin-ts!',
      method: method.tag === 'other' ? method.val : method.tag.toUpperCase(),
      pathWithQuery,
      headers,
      body,
      env: Object.fromEntries(getEnvironment()),
    };
    send(responseOut, 200, 'application/json', JSON.stringify(echo, null, 2) + '\n', [['x-guest', 'js-hello']]);
  },
};
