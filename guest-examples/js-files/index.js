// A wasi:http guest that probes its filesystem, as an attacker would: given
// ?op=read&path=<p> it opens <p> relative to its first preopen and answers with the bytes;
// given ?op=list&path=<p> it lists that directory, one "type name" line per entry (sorted).
// Any refusal comes back as status 404 with the body "error:<wasi error code>".
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.3';

const encoder = new TextEncoder();

function send(responseOut, status, bytes) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode('application/octet-stream'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(Number(out.checkWrite()), bytes.length - at, 4096);
    out.write(bytes.subarray(at, at + n));
    at += n;
  }
  out.blockingFlush();
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

function query(pathWithQuery) {
  const params = {};
  const q = pathWithQuery.indexOf('?');
  if (q < 0) return params;
  for (const pair of pathWithQuery.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    params[key] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
  }
  return params;
}

function preopen() {
  const dirs = getDirectories();
  if (dirs.length === 0) throw { payload: 'no-preopen' };
  return dirs[0][0];
}

function readFile(path) {
  const file = preopen().openAt({ symlinkFollow: true }, path, {}, { read: true });
  const chunks = [];
  let offset = 0n;
  for (;;) {
    const [bytes, end] = file.read(65536n, offset);
    chunks.push(bytes);
    offset += BigInt(bytes.length);
    if (end || bytes.length === 0) break;
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

function listDirectory(path) {
  const root = preopen();
  const dir = path === '' || path === '.' ? root : root.openAt({ symlinkFollow: true }, path, { directory: true }, { read: true });
  const stream = dir.readDirectory();
  const lines = [];
  for (let e = stream.readDirectoryEntry(); e; e = stream.readDirectoryEntry()) lines.push(`${e.type} ${e.name}`);
  return encoder.encode(lines.sort().join('\n'));
}

export const incomingHandler = {
  handle(request, responseOut) {
    const { op, path = '' } = query(request.pathWithQuery() ?? '/');
    try {
      if (op === 'read') send(responseOut, 200, readFile(path));
      else if (op === 'list') send(responseOut, 200, listDirectory(path));
      else send(responseOut, 400, encoder.encode('use ?op=read&path=... or ?op=list&path=...'));
    } catch (e) {
      send(responseOut, 404, encoder.encode(`error:${e && e.payload !== undefined ? e.payload : String(e)}`));
    }
  },
};
