/**
 * Worker entry: runs guest code, never on the thread that serves HTTP. Each request gets
 * a fresh instance of its component (componentize-js guests cannot serve a second request
 * on one instance); the compiled core modules and the import objects are reused.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BridgeClient } from './bridge.js';
import { ResponseWriter } from './response-writer.js';
import type { GuestExecutor } from './executor.js';
import { REQUEST_SERVICE, type ComponentSetup, type FromWorker, type ToWorker, type WorkerSetup } from './protocol.js';
import type { GuestImportsFactory, GuestSide } from '../factors/factor.js';
import { GuestExit, LineSink } from '../wasi/cli.js';
import { versionTolerant, wasiImports } from '../wasi/index.js';
import { setBeforeBlocking } from '../wasi/io.js';

interface Loaded {
  setup: ComponentSetup;
  instantiate: (getCoreModule: (name: string) => WebAssembly.Module, imports: Record<string, object>) => Record<string, any>;
  imports: Record<string, object>;
  /** Each factor's guest side, for its per-instance and end-of-request steps. */
  sides: GuestSide[];
  /** A fresh, never-used instance made ahead of time (each request still gets its own). */
  spare?: Record<string, any>;
}

const data = workerData as WorkerSetup & { bridgePort: MessagePort; bridgeShared: SharedArrayBuffer; responseAcks: SharedArrayBuffer };
const responseAcks = new BigInt64Array(data.responseAcks);
const port = parentPort!;
const post = (msg: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer as never);
const bridge = new BridgeClient(data.bridgePort, data.bridgeShared);
let currentRequestId = 0;

async function load(setup: ComponentSetup, factories: Array<[string, GuestImportsFactory]>): Promise<Loaded> {
  const mod = (await import(setup.jsUrl)) as { instantiate: Loaded['instantiate'] };
  const log = (stream: string) => (line: string) => {
    if (!data.quiet) post({ type: 'log', line: `[${setup.id}${stream}] ${line}` });
  };
  const imports: Record<string, object> = wasiImports({
    environment: setup.environment,
    mounts: setup.mounts,
    stdout: new LineSink(log('')),
    stderr: new LineSink(log(' stderr')),
  });
  const sides: GuestSide[] = [];
  for (const [name, factory] of factories) {
    sides.push(
      factory({
        componentId: setup.id,
        config: setup.factorConfigs[name],
        call: (method, ...args) => bridge.call({ requestId: currentRequestId, componentId: setup.id, capability: name, method, args }),
        log: log(''),
      }),
    );
  }
  for (const side of sides) Object.assign(imports, side.imports);
  return { setup, instantiate: mod.instantiate, imports: versionTolerant(imports), sides };
}

function instantiate(loaded: Loaded): Record<string, any> {
  for (const side of loaded.sides) side.onInstance?.();
  return loaded.instantiate((name) => loaded.setup.modules[name], loaded.imports);
}

function takeInstance(loaded: Loaded): Record<string, any> {
  const spare = loaded.spare;
  loaded.spare = undefined;
  return spare ?? instantiate(loaded);
}

function prepareSpare(loaded: Loaded): void {
  if (loaded.spare) return;
  try {
    loaded.spare = instantiate(loaded);
  } catch {
    // It will fail again, visibly, when a request needs it.
  }
}

function describe(err: unknown): string {
  if (err instanceof WebAssembly.RuntimeError) return `guest trapped: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

async function main(): Promise<void> {
  const factories: Array<[string, GuestImportsFactory]> = [];
  for (const f of data.factors) {
    const mod = (await import(f.guestModule)) as { createGuestImports: GuestImportsFactory };
    factories.push([f.name, mod.createGuestImports]);
  }
  const { execute } = (await import(data.executorModule)) as { execute: GuestExecutor };
  const components = new Map<string, Loaded>();
  for (const setup of data.components) components.set(setup.id, await load(setup, factories));

  port.on('message', (msg: ToWorker) => {
    if (msg.type !== 'request') return;
    const loaded = components.get(msg.componentId);
    currentRequestId = msg.requestId;
    const writer = new ResponseWriter(msg.requestId, post, responseAcks);
    setBeforeBlocking(() => writer.flush());
    try {
      if (!loaded) throw new Error(`unknown component '${msg.componentId}'`);
      const { requestId, componentId } = msg;
      execute(takeInstance(loaded), {
        componentId,
        kind: loaded.setup.kind,
        payload: msg.payload,
        response: writer,
        callRequest: (method, ...args) => bridge.call({ requestId, componentId, capability: REQUEST_SERVICE, method, args }),
      });
    } catch (err) {
      if (err instanceof GuestExit && err.ok && writer.hasHead) writer.flush(true);
      else if (!writer.finished) post({ type: 'error', requestId: msg.requestId, message: err instanceof GuestExit ? 'the guest exited without a response' : describe(err) });
    } finally {
      setBeforeBlocking(() => {});
      for (const side of loaded?.sides ?? []) side.onRequestEnd?.();
    }
    // Instantiate the next request's instance now, while this worker would otherwise be idle.
    if (loaded) setImmediate(() => prepareSpare(loaded));
  });
  post({ type: 'ready' });
}

await main();
