// spin:postgres/postgres@3.0.0 alone, with js-postgres's protocol (POST …/exec; "iface" is
// ignored): jco serves one version of an interface per component.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { Connection } from 'spin:postgres/postgres@3.0.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readBody(request) {
  const stream = request.consume().stream();
  const chunks = [];
  for (;;) {
    try {
      chunks.push(stream.blockingRead(65536n));
    } catch (e) {
      if (e.payload && e.payload.tag === 'closed') break;
      throw e;
    }
  }
  stream[Symbol.dispose]?.();
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return decoder.decode(all);
}

function respond(responseOut, status, value) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode('application/json'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  const json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : ArrayBuffer.isView(v) ? Array.from(v) : v === undefined ? null : v));
  const bytes = encoder.encode(json + '\n');
  for (let i = 0; i < bytes.length; i += 4096) out.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

const opt = (v, f) => (v === null || v === undefined ? undefined : f(v));
const bound = (f) => (b) => opt(b, ([v, kind]) => [f(v), kind]);
const bytes = (v) => (typeof v === 'string' ? encoder.encode(v) : Uint8Array.from(v));

// A parameter from JSON to what jco lowers.
function param(p) {
  switch (p.tag) {
    case 'int64':
    case 'uint64':
    case 'timestamp':
      return { tag: p.tag, val: BigInt(p.val) };
    case 'binary':
    case 'jsonb':
      return { tag: p.tag, val: bytes(p.val) };
    case 'range-int64':
      return { tag: p.tag, val: p.val.map(bound(BigInt)) };
    case 'range-int32':
    case 'range-decimal':
      return { tag: p.tag, val: p.val.map(bound((v) => v)) };
    case 'array-int64':
      return { tag: p.tag, val: p.val.map((v) => opt(v, BigInt)) };
    case 'array-int32':
    case 'array-decimal':
    case 'array-str':
      return { tag: p.tag, val: p.val.map((v) => opt(v, (x) => x)) };
    case 'interval':
      return { tag: p.tag, val: { micros: BigInt(p.val.micros), days: p.val.days, months: p.val.months } };
    default:
      return p;
  }
}

function open(_iface, address) {
  return Connection.open(address);
}

function exec(req) {
  let step = -1;
  try {
    const conn = open(req.iface, req.address, req.ca);
    const results = [];
    for (step = 0; step < req.steps.length; step++) {
      const s = req.steps[step];
      const params = (s.params ?? []).map(param);
      results.push(s.op === 'execute' ? { rowCount: conn.execute(s.sql, params) } : conn.query(s.sql, params));
    }
    conn[Symbol.dispose]?.();
    return { status: 200, body: { results } };
  } catch (e) {
    if (e && e.payload) return { status: 400, body: { error: e.payload, step } };
    return { status: 500, body: { trap: String(e), step } };
  }
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery() ?? '/';
    if (request.method().tag !== 'post' || !/\/exec(\?|$)/.test(path)) {
      respond(responseOut, 404, { error: 'POST /exec' });
      return;
    }
    const r = exec(JSON.parse(readBody(request)));
    respond(responseOut, r.status, r.body);
  },
};
