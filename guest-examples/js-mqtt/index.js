// A guest of Spin 2's outbound MQTT, `fermyon:spin/mqtt@2.0.0`, for tests and as an example.
//   POST …/publish  body: {"address": "mqtt://host:port?client_id=...", "username": "", "password": "",
//                         "keepAlive": 30 (seconds), "connections": n (optional: opens n at once, publishes on the last),
//                         "messages": [{"topic": "t", "payload": "text", "qos": "at-most-once" | "at-least-once" | "exactly-once"}]}
//                  → {"published": n} or {"error": <the WIT error>, "message": n} (message -1: open)
import { Connection } from 'fermyon:spin/mqtt@2.0.0';
import { readBody } from '../js-shared/body.js';
import { respondJson } from '../js-shared/respond-json.js';

const encoder = new TextEncoder();

const respond = (responseOut, status, value) => respondJson(responseOut, status, value);

function publish(req) {
  let at = -1;
  try {
    const open = () => Connection.open(req.address, req.username ?? '', req.password ?? '', BigInt(req.keepAlive ?? 30));
    const held = [];
    for (let i = 1; i < (req.connections ?? 1); i++) held.push(open());
    const conn = open();
    for (at = 0; at < req.messages.length; at++) {
      const m = req.messages[at];
      conn.publish(m.topic, encoder.encode(m.payload), m.qos);
    }
    conn[Symbol.dispose]?.();
    for (const c of held) c[Symbol.dispose]?.();
    return { status: 200, body: { published: req.messages.length } };
  } catch (e) {
    if (e && e.payload) return { status: 400, body: { error: e.payload, message: at } };
    return { status: 500, body: { trap: String(e), message: at } };
  }
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery() ?? '/';
    if (request.method().tag !== 'post' || !/\/publish(\?|$)/.test(path)) {
      respond(responseOut, 404, { error: 'POST /publish' });
      return;
    }
    const r = publish(JSON.parse(readBody(request)));
    respond(responseOut, r.status, r.body);
  },
};
