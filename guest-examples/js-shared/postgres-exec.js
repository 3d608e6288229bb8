// js-postgres's protocol, shared by js-postgres (Spin 2, @4.x and 1.x) and js-postgres3
// (@3.0.0 alone: jco serves one version of an interface per component). Each guest passes its
// own `open(iface, address, ca)`.
//   POST …/exec  body: {"iface": "v4" | "v2" | "v1", "address": "postgres://...", "ca": PEM (v4 only, optional),
//                      "connections": n (optional, opens n at once), "steps": [{"op": "query" | "execute", "sql": "...", "params": [{"tag": "int32", "val": 1}, ...]}, ...]}
//               → {"results": [...]} (a row set or a row count per step) or {"error": <the WIT error>, "step": n}
// In JSON, s64, u64 and timestamps are decimal strings; list<u8> values are arrays of bytes
// (jsonb may be given as a JSON string); a missing option is null.
import { readBody } from './body.js';
import { respondJson } from './respond-json.js';

const encoder = new TextEncoder();

const respond = (responseOut, status, value) => respondJson(responseOut, status, value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v === undefined ? null : v));

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

function exec(open, req) {
  let step = -1;
  try {
    // "connections": n opens n connections at once (the steps run on the last): the per-instance bound.
    const held = [];
    for (let i = 1; i < (req.connections ?? 1); i++) held.push(open(req.iface, req.address, req.ca));
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

/** The wasi:http incoming handler of POST …/exec, over the guest's `open`. */
export function postgresExecHandler(open) {
  return {
    handle(request, responseOut) {
      const path = request.pathWithQuery() ?? '/';
      if (request.method().tag !== 'post' || !/\/exec(\?|$)/.test(path)) {
        respond(responseOut, 404, { error: 'POST /exec' });
        return;
      }
      const r = exec(open, JSON.parse(readBody(request)));
      respond(responseOut, r.status, r.body);
    },
  };
}
