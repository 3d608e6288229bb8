// A wasi:http guest for the request-body and response-header tests, one behaviour per path:
//   /count     reads the request body in 64 KiB pieces, keeps none of it, answers its length
//   /discard   skips over the body (input-stream.blocking-skip), so the bytes never enter
//              this guest's memory; answers the length
//   /ignore    answers at once without reading the body
//   /bare      answers "bare" with no headers at all
//   /empty     answers with no headers and an empty body
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

const encoder = new TextEncoder();

function countBody(request) {
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
    total += chunk.length;
  }
  stream[Symbol.dispose]?.();
  return total;
}

function discardBody(request) {
  const input = request.consume().stream();
  let total = 0;
  for (;;) {
    try {
      total += Number(input.blockingSkip(65536n));
    } catch (e) {
      if (e.payload && e.payload.tag === 'closed') break;
      throw e;
    }
  }
  input[Symbol.dispose]?.();
  return total;
}

function respond(responseOut, headers, text) {
  const response = new OutgoingResponse(headers);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  if (text) {
    const out = body.write();
    out.blockingWriteAndFlush(encoder.encode(text));
    out[Symbol.dispose]?.();
  }
  OutgoingBody.finish(body, undefined);
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = (request.pathWithQuery() ?? '/').split('?')[0];
    if (path.endsWith('/bare')) return respond(responseOut, new Fields(), 'bare');
    if (path.endsWith('/empty')) return respond(responseOut, new Fields(), '');
    if (path.endsWith('/ignore')) return respond(responseOut, new Fields(), 'ignored\n');
    const n = path.endsWith('/discard') ? discardBody(request) : countBody(request);
    const headers = new Fields();
    headers.append('content-type', encoder.encode('text/plain'));
    respond(responseOut, headers, `${n}\n`);
  },
};
