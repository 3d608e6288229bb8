// A wasi:http guest with state a reused instance could leak: a global counter, a
// module-level cache and Math.random(). Each response reports them; on an instance that is
// fresh to the guest, the counter is 1, the cache is empty and the random value is new.
// POST a body to make it read (and keep) all of it: a large one grows its memory.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

const encoder = new TextEncoder();
const startedAt = Date.now();
let counter = 0;
const cache = new Map();
const kept = [];

function readBody(request) {
  const stream = request.consume().stream();
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (e) {
      if (e.payload && e.payload.tag === 'closed') break;
      throw e;
    }
    kept.push(chunk);
    total += chunk.length;
  }
  stream[Symbol.dispose]?.();
  return total;
}

function send(responseOut, text) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode('application/json'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(200);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  const bytes = encoder.encode(text);
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
    counter += 1;
    const key = request.pathWithQuery() ?? '/';
    const cached = cache.has(key);
    cache.set(key, true);
    const bodyBytes = readBody(request);
    send(
      responseOut,
      JSON.stringify({ key, counter, cached, cacheSize: cache.size, keptChunks: kept.length, random: Math.random(), bodyBytes, sinceStartMs: Date.now() - startedAt }),
    );
  },
};
