// A guest of Spin 2's outbound Redis, `fermyon:spin/redis@2.0.0` (resource `connection`), for
// tests and as an example. It imports no other fermyon:spin interface, so the host must serve
// redis@2.0.0 itself and never match it to Spin 1's unversioned `fermyon:spin/redis`.
//   POST …/exec  body: {"address": "redis://...", "connections": n (optional: opens n at once, the steps run on the last),
//                      "addresses": ["redis://...", ...] (optional: opens one on each, then runs the steps on `address`),
//                      "steps": [{"op": "get" | "set" | "incr" | "del" | "sadd" | "srem" | "smembers" | "publish" | "execute", ...}]}
//               → {"results": [...]} (one per step) or {"error": <the WIT error>, "step": n} (step -1: open)
// Step fields: key, value (text), keys, values, channel, payload (text), command, args
// ([{"int64": "7"} | {"binary": "text"}]). Bytes come back as text, s64 as decimal strings, a missing value as null.
import { Connection } from 'fermyon:spin/redis@2.0.0';
import { readBody } from '../js-shared/body.js';
import { respondJson } from '../js-shared/respond-json.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const respond = (responseOut, status, value) => respondJson(responseOut, status, value, (_k, v) => (ArrayBuffer.isView(v) ? decoder.decode(v) : v === undefined ? null : v));

const arg = (a) => ('int64' in a ? { tag: 'int64', val: BigInt(a.int64) } : { tag: 'binary', val: encoder.encode(a.binary) });

function step(conn, s) {
  switch (s.op) {
    case 'get':
      return conn.get(s.key);
    case 'set':
      return conn.set(s.key, encoder.encode(s.value));
    case 'incr':
      return conn.incr(s.key);
    case 'del':
      return conn.del(s.keys);
    case 'sadd':
      return conn.sadd(s.key, s.values);
    case 'srem':
      return conn.srem(s.key, s.values);
    case 'smembers':
      return conn.smembers(s.key);
    case 'publish':
      return conn.publish(s.channel, encoder.encode(s.payload));
    case 'execute':
      return conn.execute(s.command, (s.args ?? []).map(arg));
    default:
      throw new Error(`unknown op ${s.op}`);
  }
}

function exec(req) {
  let at = -1;
  try {
    const held = [];
    for (const address of req.addresses ?? []) held.push(Connection.open(address));
    for (let i = 1; i < (req.connections ?? 1); i++) held.push(Connection.open(req.address));
    const conn = Connection.open(req.address);
    const results = [];
    for (at = 0; at < req.steps.length; at++) results.push(step(conn, req.steps[at]) ?? null);
    conn[Symbol.dispose]?.();
    for (const c of held) c[Symbol.dispose]?.();
    return { status: 200, body: { results } };
  } catch (e) {
    if (e && e.payload) return { status: 400, body: { error: e.payload, step: at } };
    return { status: 500, body: { trap: String(e), step: at } };
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
