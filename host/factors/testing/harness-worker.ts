/**
 * The guest end of the factor test harness: one factor's guest side, built as the pool's
 * worker builds it, called by name from the test (host/factors/testing/harness.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BridgeClient } from '../../components/bridge.js';
import type { GuestImportsFactory } from '../factor.js';

interface HarnessData {
  factor: string;
  guestModule: string;
  componentId: string;
  config: unknown;
  bridgePort: MessagePort;
  bridgeShared: SharedArrayBuffer;
}

export type HarnessCall = { id: number; iface: string; fn: string; args: unknown[]; requestId: number };
export type HarnessReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: unknown; message: string };

const data = workerData as HarnessData;
/** The request time a harness call gets (spin-ts up's default --request-timeout). */
const HARNESS_REQUEST_MS = 60_000;
const bridge = new BridgeClient(data.bridgePort, data.bridgeShared);
const { createGuestImports } = (await import(data.guestModule)) as { createGuestImports: GuestImportsFactory };
let requestId = 0;
const side = createGuestImports({
  componentId: data.componentId,
  config: data.config,
  call: (method, ...args) => bridge.call({ requestId, componentId: data.componentId, capability: data.factor, method, args }),
  log: (line) => parentPort!.postMessage({ log: line }),
  // The harness has no pool: no request timeout, nothing that terminates the worker mid-call.
  deadline: () => Date.now() + HARNESS_REQUEST_MS,
  native: (fn) => fn(),
});

parentPort!.on('message', (msg: HarnessCall) => {
  requestId = msg.requestId;
  let reply: HarnessReply;
  try {
    const iface = side.imports[msg.iface] as Record<string, (...a: unknown[]) => unknown> | undefined;
    const fn = iface?.[msg.fn];
    if (typeof fn !== 'function') throw new Error(`the guest side has no ${msg.iface}#${msg.fn}`);
    side.onInstance?.();
    const value = fn.apply(iface, msg.args);
    reply = { id: msg.id, ok: true, value };
  } catch (err) {
    reply = { id: msg.id, ok: false, error: (err as { payload?: unknown }).payload, message: (err as Error).message };
  } finally {
    side.onRequestEnd?.();
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });
