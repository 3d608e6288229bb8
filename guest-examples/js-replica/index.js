// One replica's writes, for test/replicas.test.ts: POST /write increments the Redis counter
// $COUNTER at $REDIS_URL (Spin 1.x's outbound Redis `incr`) and inserts a row into the table
// writes at $PG_URL (fermyon:spin/postgres@2.0.0), answering {"counter": n, "id": <row id>,
// "replica": $REPLICA}. A failed write answers 500 with what failed, so the client never
// counts a write that was not acknowledged.
import { incr } from 'fermyon:spin/redis';
import { Connection } from 'fermyon:spin/postgres@2.0.0';
import { getEnvironment } from 'wasi:cli/environment@0.2.3';
import { respondJson } from '../js-shared/respond-json.js';

// Read at the first call: the build's snapshot (Wizer) may call no import.
let cachedEnv;
const env = () => (cachedEnv ??= Object.fromEntries(getEnvironment()));

const respond = (responseOut, status, value) => respondJson(responseOut, status, value);

function write(client) {
  const counter = incr(env().REDIS_URL, env().COUNTER);
  const conn = Connection.open(env().PG_URL);
  const rows = conn.query('INSERT INTO writes (replica, client, counter) VALUES ($1, $2, $3) RETURNING id', [
    { tag: 'str', val: env().REPLICA },
    { tag: 'str', val: client },
    { tag: 'int64', val: counter },
  ]).rows;
  conn[Symbol.dispose]?.();
  return { counter, id: rows[0][0].val, replica: env().REPLICA };
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery() ?? '/';
    const m = /^\/write\?client=([\w-]+)$/.exec(path);
    if (request.method().tag !== 'post' || !m) {
      respond(responseOut, 404, { error: 'POST /write?client=<id>' });
      return;
    }
    try {
      respond(responseOut, 200, write(m[1]));
    } catch (e) {
      respond(responseOut, 500, { error: e && e.payload !== undefined ? e.payload : String(e) });
    }
  },
};
