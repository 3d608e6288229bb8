// A guest that keeps state in SQLite through fermyon:spin/sqlite@2.0.0.
//   POST /exec   body: {"db": "default", "sql": "...", "params": [{"type": "integer", "value": "1"}, ...]}
//                → {"columns": [...], "rows": [[{"type", "value"}, ...], ...]}  or  {"error": {"kind", "message"}}
// Values travel as {"type": "integer" (value: decimal string, 64-bit safe) | "real" | "text"
// | "blob" (value: list of bytes) | "null"}.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { Connection } from 'fermyon:spin/sqlite@2.0.0';
import { readBody } from '../js-shared/body.js';

const encoder = new TextEncoder();


function respond(responseOut, status, value) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode('application/json'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  const bytes = encoder.encode(JSON.stringify(value) + '\n');
  for (let i = 0; i < bytes.length; i += 4096) out.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

function toWit(p) {
  switch (p.type) {
    case 'integer':
      return { tag: 'integer', val: BigInt(p.value) };
    case 'real':
      return { tag: 'real', val: p.value };
    case 'text':
      return { tag: 'text', val: p.value };
    case 'blob':
      return { tag: 'blob', val: Uint8Array.from(p.value) };
    default:
      return { tag: 'null' };
  }
}

function fromWit(v) {
  switch (v.tag) {
    case 'integer':
      return { type: 'integer', value: v.val.toString() };
    case 'blob':
      return { type: 'blob', value: Array.from(v.val) };
    case 'null':
      return { type: 'null' };
    default:
      return { type: v.tag, value: v.val };
  }
}

// A sqlite error variant as JSON: {"error": {"kind", "message"}}.
function sqliteError(e) {
  const p = e && e.payload;
  if (!p) return { status: 500, body: { error: { kind: 'trap', message: String(e) } } };
  const status = p.tag === 'access-denied' ? 403 : p.tag === 'no-such-database' ? 404 : p.tag === 'io' ? 400 : 500;
  return { status, body: { error: { kind: p.tag, message: p.val ?? null } } };
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = (request.pathWithQuery() ?? '/').split('?')[0];
    try {
      if (path.endsWith('/exec')) {
        const req = JSON.parse(readBody(request));
        const conn = Connection.open(req.db ?? 'default');
        // Several statements may be sent as a list (e.g. BEGIN … COMMIT in one request).
        const statements = Array.isArray(req.sql) ? req.sql : [req.sql];
        let result;
        for (const sql of statements) result = conn.execute(sql, (req.params ?? []).map(toWit));
        return respond(responseOut, 200, { columns: result.columns, rows: result.rows.map((r) => r.values.map(fromWit)) });
      }
      return respond(responseOut, 404, { error: { kind: 'not-found', message: path } });
    } catch (e) {
      const { status, body } = sqliteError(e);
      return respond(responseOut, status, body);
    }
  },
};
