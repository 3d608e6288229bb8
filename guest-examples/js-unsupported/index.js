// Imports two interfaces spin-ts does not provide: Spin 1.x's `fermyon:spin/mysql` (a function import)
// and `fermyon:spin/mqtt@2.0.0` (a resource import). spin-ts refuses it at start, as Spin
// refuses a component whose imports it cannot satisfy; it never serves a request.
import { execute } from 'fermyon:spin/mysql';
import { Connection } from 'fermyon:spin/mqtt@2.0.0';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';

export const incomingHandler = {
  handle(_request, responseOut) {
    const conn = Connection.open('mqtt://127.0.0.1:1883', '', '', 30n);
    conn.publish('topic', new TextEncoder().encode('message'), 'at-most-once');
    execute('mysql://127.0.0.1/db', 'SELECT 1', []);
    const response = new OutgoingResponse(new Fields());
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    OutgoingBody.finish(body, undefined);
  },
};
