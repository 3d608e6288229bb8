// A guest that sends outbound HTTP with wasi:http/outgoing-handler (and Spin 1.x's
// fermyon:spin/http), streaming bodies both ways. Every route takes ?url=<target>.
//   GET /proxy        GET the target, stream its status, content-type and body back
//   GET /upload?mb=N  POST N MiB (generated in 64 KiB pieces, no content-length) to the target, relay the answer
//   GET /timeout?first-byte-ms=N&connect-ms=N   GET with wasi:http request-options
//   GET /overflow     POST with content-length 5 and a 10-byte body
//   GET /raw?authority=A&path=P   GET with this authority and path, unchecked by the guest
//   GET /bad-header   build a request header holding CR/LF
//   GET /big-header?kb=N   GET with one N KiB request header
//   GET /spin-http    the same GET through fermyon:spin/http send-request
//   GET /headers      answer the request's headers as JSON: every [name, value] pair, in order
//   GET .../again?authority=A   GET this same path and query again at A (empty: self, as a
//                        relative URL) and relay the answer: a request that recurses without end
//   GET /generate?mb=N   answer N MiB of 'g' (no outbound request; a fast producer for backpressure
//                        tests), printing "generated K MiB" to stdout every 4 MiB
// A failure answers 502 with {"error": <wasi:http error-code or Spin http-error>}.
import { Fields, OutgoingBody, OutgoingRequest, OutgoingResponse, RequestOptions, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { handle } from 'wasi:http/outgoing-handler@0.2.3';
import { sendRequest } from 'fermyon:spin/http';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function errorText(e) {
  const p = e && e.payload;
  if (p === undefined) return String(e && e.message ? e.message : e);
  if (typeof p === 'string') return p;
  return p.val === undefined ? p.tag : `${p.tag}: ${typeof p.val === 'object' ? JSON.stringify(p.val, (_k, v) => (typeof v === 'bigint' ? Number(v) : v && v.toDebugString ? v.toDebugString() : v)) : String(p.val)}`;
}

function respond(responseOut, status, headerPairs, writeBody) {
  const headers = new Fields();
  for (const [k, v] of headerPairs) headers.append(k, encoder.encode(v));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  writeBody((bytes) => {
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(Number(out.checkWrite()), bytes.length - at);
      out.write(bytes.subarray(at, at + n));
      at += n;
    }
  });
  out.blockingFlush();
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

const text = (responseOut, status, s) => respond(responseOut, status, [['content-type', 'text/plain']], (w) => w(encoder.encode(s)));
const fail = (responseOut, e) => respond(responseOut, 502, [['content-type', 'application/json']], (w) => w(encoder.encode(JSON.stringify({ error: errorText(e) }))));

function outgoing(method, target, headerPairs = []) {
  const url = new URL(target);
  const headers = new Fields();
  for (const [k, v] of headerPairs) headers.append(k, typeof v === 'string' ? encoder.encode(v) : v);
  const req = new OutgoingRequest(headers);
  req.setMethod({ tag: method });
  req.setScheme(url.protocol === 'https:' ? { tag: 'HTTPS' } : url.protocol === 'http:' ? { tag: 'HTTP' } : { tag: 'other', val: url.protocol.slice(0, -1) });
  req.setAuthority(url.host);
  req.setPathWithQuery(`${url.pathname}${url.search}`);
  return req;
}

function await_(future) {
  future.subscribe().block();
  const r = future.get();
  if (r.tag === 'err') throw new Error('response taken twice');
  if (r.val.tag === 'err') throw { payload: r.val.val };
  return r.val.val;
}

/** Streams an incoming response to our own response. */
function relay(responseOut, incoming) {
  const type = incoming.headers().get('content-type')[0];
  const stream = incoming.consume().stream();
  respond(responseOut, incoming.status(), [['content-type', type ? decoder.decode(type) : 'application/octet-stream'], ['x-upstream-status', String(incoming.status())]], (w) => {
    for (;;) {
      let chunk;
      try {
        chunk = stream.blockingRead(65536n);
      } catch (e) {
        if (e.payload && e.payload.tag === 'closed') break;
        throw e;
      }
      w(chunk);
    }
  });
}

function query(pathWithQuery) {
  return new URL(`http://x${pathWithQuery}`).searchParams;
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery() ?? '/';
    const q = query(path);
    const target = q.get('url') ?? '';
    // The route's own part of the path (Spin's spin-path-info header), so any mount point works.
    const info = request.headers().get('spin-path-info')[0];
    const route = info ? decoder.decode(info) : path.split('?')[0];
    try {
      if (route === '/proxy') {
        const req = outgoing('get', target);
        return relay(responseOut, await_(handle(req, undefined)));
      }
      if (route === '/upload') {
        const mb = Number(q.get('mb') ?? '1');
        const req = outgoing('post', target, [['content-type', 'application/octet-stream']]);
        const body = req.body();
        const future = handle(req, undefined);
        const out = body.write();
        const piece = new Uint8Array(65536).fill(97);
        for (let i = 0; i < mb * 16; i++) {
          for (let at = 0; at < piece.length; ) {
            const n = Math.min(Number(out.checkWrite()), piece.length - at);
            out.write(piece.subarray(at, at + n));
            at += n;
          }
        }
        out.blockingFlush();
        out[Symbol.dispose]?.();
        OutgoingBody.finish(body, undefined);
        return relay(responseOut, await_(future));
      }
      if (route === '/timeout') {
        const options = new RequestOptions();
        if (q.has('first-byte-ms')) options.setFirstByteTimeout(BigInt(q.get('first-byte-ms')) * 1000000n);
        if (q.has('connect-ms')) options.setConnectTimeout(BigInt(q.get('connect-ms')) * 1000000n);
        return relay(responseOut, await_(handle(outgoing('get', target), options)));
      }
      if (route === '/overflow') {
        const req = outgoing('post', target, [['content-length', '5']]);
        const body = req.body();
        const future = handle(req, undefined);
        const out = body.write();
        out.write(encoder.encode('12345'));
        try {
          out.write(encoder.encode('67890'));
        } catch (e) {
          return text(responseOut, 200, `write refused: ${errorText(e)}`);
        }
        OutgoingBody.finish(body, undefined);
        return relay(responseOut, await_(future));
      }
      if (route === '/raw') {
        // An authority and path exactly as given, unchecked by the guest (bad-input tests).
        const req = new OutgoingRequest(new Fields());
        req.setScheme({ tag: 'HTTP' });
        req.setAuthority(q.get('authority') ?? '');
        req.setPathWithQuery(q.get('path') ?? '/');
        return relay(responseOut, await_(handle(req, undefined)));
      }
      if (route === '/bad-header') {
        try {
          outgoing('get', target, [['x-evil', 'a\r\nInjected: yes']]);
        } catch (e) {
          return text(responseOut, 200, `header refused: ${errorText(e)}`);
        }
        return text(responseOut, 500, 'header accepted');
      }
      if (route === '/big-header') {
        const kb = Number(q.get('kb') ?? '64');
        return relay(responseOut, await_(handle(outgoing('get', target, [['x-big', 'b'.repeat(kb * 1024)]]), undefined)));
      }
      if (route === '/generate') {
        const mb = Number(q.get('mb') ?? '1');
        const piece = new Uint8Array(65536).fill(103);
        return respond(responseOut, 200, [['content-type', 'application/octet-stream']], (w) => {
          for (let i = 1; i <= mb * 16; i++) {
            w(piece);
            if (i % 64 === 0) console.log(`generated ${i / 16} MiB`);
          }
        });
      }
      if (route === '/headers') {
        const pairs = request.headers().entries().map(([name, value]) => [name, decoder.decode(value)]);
        return respond(responseOut, 200, [['content-type', 'application/json']], (w) => w(encoder.encode(JSON.stringify(pairs))));
      }
      if (route.endsWith('/again')) {
        // Through self the route's own prefix is in the path; through <id>.spin.internal the whole path is spin-path-info.
        const req = new OutgoingRequest(new Fields());
        req.setScheme({ tag: 'HTTP' });
        const authority = q.get('authority') ?? '';
        if (authority) req.setAuthority(authority);
        req.setPathWithQuery(path);
        return relay(responseOut, await_(handle(req, undefined)));
      }
      if (route === '/spin-http') {
        const res = sendRequest({ method: 'get', uri: target, headers: [['x-via', 'spin-http']], params: [], body: undefined });
        return respond(responseOut, res.status, [['content-type', 'text/plain'], ['x-upstream-status', String(res.status)]], (w) => w(res.body ?? new Uint8Array(0)));
      }
      return text(responseOut, 404, 'no such route\n');
    } catch (e) {
      return fail(responseOut, e);
    }
  },
};
