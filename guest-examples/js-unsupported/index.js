// Imports two interfaces spin-ts does not provide: `wasi:config/store` (a function import)
// and `fermyon:spin/mqtt@2.0.0` (a resource import). spin-ts refuses it at start, as Spin
// refuses a component whose imports it cannot satisfy; it never serves a request.
import { get } from 'wasi:config/store@0.2.0-draft';
import { Connection } from 'fermyon:spin/mqtt@2.0.0';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

export const incomingHandler = {
  handle(_request, responseOut) {
    const conn = Connection.open('mqtt://127.0.0.1:1883', '', '', 30n);
    conn.publish('topic', new TextEncoder().encode('message'), 'at-most-once');
    get('message');
    const response = new OutgoingResponse(new Fields());
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    OutgoingBody.finish(body, undefined);
  },
};
