/**
 * The worker end of the sqlite placement bench (bench/sqlite.ts): the same point query
 * run on this thread's own connection, and through the bridge on the main thread's.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BridgeClient } from '../host/components/bridge.js';
import { openDatabase } from '../host/factors/sqlite/database.js';

const { file, n, port, shared } = workerData as { file: string; n: number; port: MessagePort; shared: SharedArrayBuffer };
const bridge = new BridgeClient(port, shared);
const db = openDatabase(file);

let failures = 0;
function timeEach(fn: (id: number) => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = 1 + ((i * 7919) % 10_000);
    const t0 = process.hrtime.bigint();
    try {
      fn(id);
    } catch {
      // The bridge can wake without an answer under a long burst of calls (reported); count it.
      failures++;
      continue;
    }
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

const local = timeEach((id) => db.prepare('SELECT v FROM t WHERE id = ?').raw(true).get([id]));
const bridged = timeEach((id) => bridge.call({ requestId: 1, componentId: 'bench', capability: 'sqlite', method: 'get', args: [id] }));
parentPort!.postMessage({ local, bridged, failures });
