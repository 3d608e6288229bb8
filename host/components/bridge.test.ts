/** The bridge: a worker calls an async main-thread service synchronously and gets its value or error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BridgeServer, type ServiceHandler } from './bridge.js';

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.bridgeUrl).then(({ BridgeClient }) => {
  const client = new BridgeClient(workerData.port, workerData.shared);
  const call = (method, args) => { try { return { ok: client.call({ requestId: 1, componentId: 'c', capability: 'svc', method, args }) }; } catch (e) { return { err: e.message, data: e.data }; } };
  const results = [call('echo', ['hello', 42]), call('fail', []), call('slow', [])];
  const t = performance.now();
  for (let i = 0; i < 200; i++) call('echo', [i]);
  parentPort.postMessage({ results, usPerCall: (performance.now() - t) * 1000 / 200 });
});
`;

test('values, errors with their data, and slow services cross the bridge', async () => {
  const svc: ServiceHandler = async (method, args, ctx) => {
    assert.equal(ctx.componentId, 'c');
    if (method === 'echo') return { args };
    if (method === 'slow') return new Promise((r) => setTimeout(() => r('late'), 50));
    throw Object.assign(new Error('boom'), { kind: 'runtime-error' });
  };
  const server = new BridgeServer(new Map([['svc', svc]]), () => new AbortController().signal);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { bridgeUrl: new URL('./bridge.js', import.meta.url).href, port: server.workerPort, shared: server.shared },
    transferList: [server.workerPort as never],
  });
  const msg = (await new Promise((r) => worker.once('message', r))) as { results: unknown[]; usPerCall: number };
  await worker.terminate();
  server.close();
  assert.deepEqual(msg.results[0], { ok: { args: ['hello', 42] } });
  assert.deepEqual(msg.results[1], { err: 'boom', data: { kind: 'runtime-error' } });
  assert.deepEqual(msg.results[2], { ok: 'late' });
  assert.ok(msg.usPerCall < 5000, `${msg.usPerCall} µs per call`);
});

const BURST = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.bridgeUrl).then(({ BridgeClient }) => {
  const client = new BridgeClient(workerData.port, workerData.shared);
  let failures = 0, wrong = 0;
  for (let i = 0; i < workerData.calls; i++) {
    try { if (client.call({ requestId: 1, componentId: 'c', capability: 'svc', method: 'echo', args: [i] }) !== i) wrong++; } catch { failures++; }
  }
  parentPort.postMessage({ failures, wrong });
});
`;

test('20,000 back-to-back calls all get their own answer (none "woken without an answer")', async () => {
  const server = new BridgeServer(new Map<string, ServiceHandler>([['svc', async (_m, args) => args[0]]]), () => new AbortController().signal);
  const worker = new Worker(BURST, {
    eval: true,
    workerData: { bridgeUrl: new URL('./bridge.js', import.meta.url).href, port: server.workerPort, shared: server.shared, calls: 20_000 },
    transferList: [server.workerPort as never],
  });
  const msg = (await new Promise((r) => worker.once('message', r))) as { failures: number; wrong: number };
  await worker.terminate();
  server.close();
  assert.deepEqual(msg, { failures: 0, wrong: 0 });
});
