// Shared by the JSON-over-HTTP test guests: one wasi:http response whose body is `value` as
// JSON and a newline, written in 4 KiB pieces (a blocking write takes at most 4096 bytes).
// BigInts become decimal strings; `replacer` (JSON.stringify's) may turn other values first.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

const encoder = new TextEncoder();

export function respondJson(responseOut, status, value, replacer = (_k, v) => v) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode('application/json'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  const json = JSON.stringify(value, (k, v) => {
    const turned = replacer(k, v);
    return typeof turned === 'bigint' ? turned.toString() : turned;
  });
  const bytes = encoder.encode(json + '\n');
  for (let i = 0; i < bytes.length; i += 4096) out.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}
