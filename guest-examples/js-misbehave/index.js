// A guest that misbehaves on purpose, one way per path, so the host's isolation can be
// tested: /trap throws, /loop never returns, /oom allocates until memory runs out,
// /exit calls exit without responding, /noresponse returns without a response.
// Anything else answers 200 "ok", to show the host still serves after each.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

function ok(responseOut, text) {
  const response = new OutgoingResponse(new Fields());
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  out.blockingWriteAndFlush(new TextEncoder().encode(text));
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = (request.pathWithQuery() ?? '/').split('?')[0];
    if (path.endsWith('/trap')) {
      throw new Error('this guest fails on purpose');
    }
    if (path.endsWith('/loop')) {
      let n = 0;
      for (;;) n++;
    }
    if (path.endsWith('/oom')) {
      const hog = [];
      for (;;) hog.push(new Array(1 << 20).fill(hog.length));
    }
    if (path.endsWith('/noresponse')) return;
    ok(responseOut, 'ok\n');
  },
};
