// Reads the component's variables through wasi:config/store (Spin 3's variables interface).
//   GET …/get?key=NAME  → {"value": "..." | null} or {"error": {"tag", "val"}}
//   GET …/all         → {"pairs": [[name, value], ...]}
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { get, getAll } from 'wasi:config/store@0.2.0-draft-2024-09-27';

const encoder = new TextEncoder();

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

export const incomingHandler = {
  handle(request, responseOut) {
    const url = new URL(request.pathWithQuery() ?? '/', 'http://guest');
    try {
      if (url.pathname.endsWith('/all')) respond(responseOut, 200, { pairs: getAll() });
      else respond(responseOut, 200, { value: get(url.searchParams.get('key') ?? '') ?? null });
    } catch (e) {
      respond(responseOut, 400, { error: e.payload ?? String(e) });
    }
  },
};
