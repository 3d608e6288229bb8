// A guest of every key-value interface spin-ts hosts. One route, one JSON call per request:
//   POST /kv  {"api":"v2"|"v1"|"wasi","op","store","key"?,"value"?,"delta"?,"repeat"?,"keys"?,"entries"?}
//   → 200 {"ok": result} or 200 {"error": {"tag","val"}} (the WIT error variant as the guest got it)
// Values travel as UTF-8 text; a missing value is null.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { Store } from 'fermyon:spin/key-value@2.0.0';
import * as v1 from 'fermyon:spin/key-value';
import { open as openBucket } from 'wasi:keyvalue/store@0.2.0-draft2';
import { Cas, increment, swap } from 'wasi:keyvalue/atomics@0.2.0-draft2';
import { deleteMany, getMany, setMany } from 'wasi:keyvalue/batch@0.2.0-draft2';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (s) => encoder.encode(s ?? '');
const text = (b) => (b === undefined ? null : decoder.decode(b));

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
  let size = 0;
  for (const c of chunks) size += c.length;
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (all.set(c, at), (at += c.length));
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
  out.blockingWriteAndFlush(encoder.encode(JSON.stringify(value) + '\n'));
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

// A value of `size` bytes, for the limit tests (without shipping it over HTTP).
const valueOf = (req) => (req.size !== undefined ? new Uint8Array(req.size) : bytes(req.value));

function spin2(req) {
  const store = Store.open(req.store);
  switch (req.op) {
    case 'open': return true;
    case 'get': return text(store.get(req.key));
    case 'set': return store.set(req.key, valueOf(req)) ?? null;
    case 'delete': return store.delete(req.key) ?? null;
    case 'exists': return store.exists(req.key);
    case 'get-keys': return store.getKeys().sort();
    // One set per entry (not a batch): many writes from one request.
    case 'set-each': return req.entries.forEach(([k, v]) => store.set(k, bytes(v))) ?? null;
    // One get per key (not a batch): returns how many were found (for the bench).
    case 'get-each': return req.keys.filter((k) => store.get(k) !== undefined).length;
  }
  throw new Error(`unknown op ${req.op}`);
}

function spin1(req) {
  const handle = req.handle ?? v1.open(req.store);
  try {
    switch (req.op) {
      case 'open': return true;
      case 'get': return text(v1.get(handle, req.key));
      case 'set': return v1.set(handle, req.key, valueOf(req)) ?? null;
      case 'delete': return v1.delete(handle, req.key) ?? null;
      case 'exists': return v1.exists(handle, req.key);
      case 'get-keys': return v1.getKeys(handle).sort();
    }
    throw new Error(`unknown op ${req.op}`);
  } finally {
    if (req.handle === undefined) v1.close(handle);
  }
}

function wasi(req) {
  const bucket = openBucket(req.store);
  switch (req.op) {
    case 'open': return true;
    case 'get': return text(bucket.get(req.key));
    case 'set': return bucket.set(req.key, valueOf(req)) ?? null;
    case 'delete': return bucket.delete(req.key) ?? null;
    case 'exists': return bucket.exists(req.key);
    case 'list-keys': {
      const r = bucket.listKeys(undefined);
      return { keys: r.keys.sort(), cursor: r.cursor ?? null };
    }
    case 'increment': {
      let n;
      for (let i = 0; i < (req.repeat ?? 1); i++) n = increment(bucket, req.key, BigInt(req.delta));
      return String(n);
    }
    case 'get-many': return getMany(bucket, req.keys).map(([k, v]) => [k, text(v)]);
    case 'set-many': return setMany(bucket, req.entries.map(([k, v]) => [k, bytes(v)])) ?? null;
    case 'delete-many': return deleteMany(bucket, req.keys) ?? null;
    case 'cas': {
      // Read, let the test change the value in between (`interfere`), then swap.
      const cas = Cas.new(bucket, req.key);
      const before = text(cas.current());
      if (req.interfere !== undefined) bucket.set(req.key, bytes(req.interfere));
      try {
        swap(cas, bytes(req.value));
        return { before, swapped: true };
      } catch (e) {
        if (e.payload && e.payload.tag === 'cas-failed') return { before, swapped: false, current: text(e.payload.val.current()) };
        throw e;
      }
    }
  }
  throw new Error(`unknown op ${req.op}`);
}

const APIS = { v2: spin2, v1: spin1, wasi };

export const incomingHandler = {
  handle(request, responseOut) {
    let req;
    try {
      req = JSON.parse(readBody(request));
    } catch (e) {
      return respond(responseOut, 400, { error: { tag: 'bad-request', val: String(e) } });
    }
    const api = APIS[req.api];
    if (!api) return respond(responseOut, 400, { error: { tag: 'bad-request', val: `unknown api ${req.api}` } });
    try {
      return respond(responseOut, 200, { ok: api(req) });
    } catch (e) {
      if (e && e.payload) return respond(responseOut, 200, { error: e.payload });
      return respond(responseOut, 500, { error: { tag: 'trap', val: String(e) } });
    }
  },
};
