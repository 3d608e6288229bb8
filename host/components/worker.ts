/**
 * Worker entry: runs guest code, never on the thread that serves HTTP. Each request gets
 * a fresh instance of its component (componentize-js guests cannot serve a second request
 * on one instance); the compiled core modules and the import objects are reused.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BridgeClient } from './bridge.js';
import { ResponseWriter } from './response-writer.js';
import type { ComponentSetup, FromWorker, GuestRequest, ToWorker, WorkerSetup } from './protocol.js';
import type { GuestImportsFactory, GuestSide } from '../factors/factor.js';
import { GuestExit, LineSink } from '../wasi/cli.js';
import { Fields, IncomingRequest, methodFromString, ResponseOutparam, type ResponseReceiver } from '../wasi/http-types.js';
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

const data = workerData as WorkerSetup & { bridgePort: MessagePort; bridgeShared: SharedArrayBuffer };
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

function runWasiHttp(instance: Record<string, any>, writer: ResponseWriter, req: GuestRequest): void {
  const handler = Object.entries(instance).find(([k]) => /^wasi:http\/incoming-handler@0\.2\./.test(k))?.[1];
  let failure: string | undefined;
  const receiver: ResponseReceiver = {
    head(status, headers) {
      writer.setHead(status, headers);
      return { write: (bytes) => writer.write(bytes) };
    },
    end() {
      writer.flush(true);
    },
    error(message) {
      failure = message;
    },
  };
  const outparam = new ResponseOutparam(receiver);
  const request = new IncomingRequest({
    method: methodFromString(req.method),
    pathWithQuery: req.pathWithQuery,
    scheme: { tag: req.scheme === 'https' ? 'HTTPS' : 'HTTP' },
    authority: req.authority,
    headers: Fields.fromPairs(req.headers, true),
    body: req.body ?? undefined,
  });
  handler.handle(request, outparam);
  if (failure !== undefined) throw new Error(failure);
  if (!outparam.wasSet) throw new Error('the guest returned without setting a response');
  // A guest may return without finishing its body: the response ends when it returns.
  writer.flush(true);
}

const INBOUND_METHODS = new Set(['get', 'post', 'put', 'delete', 'patch', 'head', 'options']);

function runInboundHttp(instance: Record<string, any>, writer: ResponseWriter, req: GuestRequest): void {
  const handler = Object.entries(instance).find(([k]) => /^fermyon:spin\/inbound-http(@|$)/.test(k))?.[1];
  const method = req.method.toLowerCase();
  if (!INBOUND_METHODS.has(method)) throw new Error(`method ${req.method} is not in inbound-http's method enum`);
  const res = handler.handleRequest({
    method,
    uri: req.pathWithQuery,
    headers: req.headers,
    params: [],
    body: req.body ?? new Uint8Array(0),
  }) as { status: number; headers?: Array<[string, string]>; body?: Uint8Array };
  if (!(res.status >= 100 && res.status <= 600)) throw new Error(`the guest returned status ${res.status}, outside 100–600`);
  writer.setHead(res.status, res.headers ?? []);
  if (res.body) writer.write(res.body);
  writer.flush(true);
}

async function main(): Promise<void> {
  const factories: Array<[string, GuestImportsFactory]> = [];
  for (const f of data.factors) {
    const mod = (await import(f.guestModule)) as { createGuestImports: GuestImportsFactory };
    factories.push([f.name, mod.createGuestImports]);
  }
  const components = new Map<string, Loaded>();
  for (const setup of data.components) components.set(setup.id, await load(setup, factories));

  port.on('message', (msg: ToWorker) => {
    if (msg.type !== 'request') return;
    const loaded = components.get(msg.componentId);
    currentRequestId = msg.requestId;
    const writer = new ResponseWriter(msg.requestId, post);
    setBeforeBlocking(() => writer.flush());
    try {
      if (!loaded) throw new Error(`unknown component '${msg.componentId}'`);
      const instance = takeInstance(loaded);
      if (loaded.setup.kind === 'wasi-http') runWasiHttp(instance, writer, msg.request);
      else runInboundHttp(instance, writer, msg.request);
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
