// Imports Spin 2's outbound Redis, `fermyon:spin/redis@2.0.0`, which spin-ts does not serve yet
// (only Spin 1's unversioned `fermyon:spin/redis`, a different interface). Its Connection.open
// must be redis@2.0.0's own error (host/factors/unavailable), never a 1.x function's TypeError.
import { Connection } from 'fermyon:spin/redis@2.0.0';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

export const incomingHandler = {
  handle(_request, responseOut) {
    const value = Connection.open('redis://127.0.0.1:6379').get('key');
    const response = new OutgoingResponse(new Fields());
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    const out = body.write();
    out.blockingWriteAndFlush(value ?? new Uint8Array());
    out[Symbol.dispose]?.();
    OutgoingBody.finish(body, undefined);
  },
};
