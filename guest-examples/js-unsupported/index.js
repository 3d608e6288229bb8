// Imports two interfaces spin-ts does not provide (wit/deps/spin-ts-absent): `store` (a
// function import) and `broker` (a resource import). spin-ts refuses it at start, as Spin
// refuses a component whose imports it cannot satisfy; it never serves a request.
import { get } from 'spin-ts:absent/store@0.1.0';
import { Connection } from 'spin-ts:absent/broker@0.1.0';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

export const incomingHandler = {
  handle(_request, responseOut) {
    const conn = Connection.open('broker://127.0.0.1:1883');
    conn.publish('topic', new TextEncoder().encode('message'));
    get('message');
    const response = new OutgoingResponse(new Fields());
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    OutgoingBody.finish(body, undefined);
  },
};
