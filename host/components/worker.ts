/**
 * Worker entry: runs guest code, never on the thread that serves HTTP. Each request gets
 * a fresh instance of its component (componentize-js guests cannot serve a second request
 * on one instance); the compiled core modules and the import objects are reused.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BridgeClient } from './bridge.js';
import type { ComponentSetup, FromWorker, GuestRequest, ToWorker, WorkerSetup } from './protocol.js';
import type { GuestImportsFactory } from '../factors/factor.js';
import { GuestExit, LineSink } from '../wasi/cli.js';
import { Fields, IncomingRequest, methodFromString, ResponseOutparam, type ResponseReceiver } from '../wasi/http-types.js';
import { versionTolerant, wasiImports } from '../wasi/index.js';

interface Loaded {
  setup: ComponentSetup;
  instantiate: (getCoreModule: (name: string) => WebAssembly.Module, imports: Record<string, object>) => Record<string, any>;
  imports: Record<string, object>;
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
  for (const [name, factory] of factories) {
    Object.assign(
      imports,
      factory({
        componentId: setup.id,
        config: setup.factorConfigs[name],
        call: (method, ...args) => bridge.call({ requestId: currentRequestId, componentId: setup.id, capability: name, method, args }),
        log: log(''),
      }),
    );
  }
  return { setup, instantiate: mod.instantiate, imports: versionTolerant(imports) };
}

function describe(err: unknown): string {
  if (err instanceof WebAssembly.RuntimeError) return `guest trapped: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function runWasiHttp(instance: Record<string, any>, requestId: number, req: GuestRequest): void {
  const handler = Object.entries(instance).find(([k]) => /^wasi:http\/incoming-handler@0\.2\./.test(k))?.[1];
  let ended = false;
  const receiver: ResponseReceiver = {
    head(status, headers) {
      post({ type: 'head', requestId, status, headers });
      return {
        write: (bytes) => post({ type: 'chunk', requestId, bytes }, [bytes.buffer as ArrayBuffer]),
      };
    },
    end() {
      if (!ended) post({ type: 'end', requestId });
      ended = true;
    },
    error(message) {
      ended = true;
      post({ type: 'error', requestId, message });
    },
  };
  const outparam = new ResponseOutparam(receiver);
  const authority = req.authority;
  const request = new IncomingRequest({
    method: methodFromString(req.method),
    pathWithQuery: req.pathWithQuery,
    scheme: { tag: req.scheme === 'https' ? 'HTTPS' : 'HTTP' },
    authority,
    headers: Fields.fromPairs(req.headers, true),
    body: req.body ?? undefined,
  });
  handler.handle(request, outparam);
  if (!outparam.wasSet) {
    ended = true;
    post({ type: 'error', requestId, message: 'the guest returned without setting a response' });
  } else {
    receiver.end();
  }
}

const INBOUND_METHODS = new Set(['get', 'post', 'put', 'delete', 'patch', 'head', 'options']);

function runInboundHttp(instance: Record<string, any>, requestId: number, req: GuestRequest): void {
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
  if (!(res.status >= 100 && res.status <= 600)) {
    post({ type: 'error', requestId, message: `the guest returned status ${res.status}, outside 100–600` });
    return;
  }
  post({ type: 'head', requestId, status: res.status, headers: res.headers ?? [] });
  if (res.body && res.body.length > 0) {
    const bytes = res.body.slice();
    post({ type: 'chunk', requestId, bytes }, [bytes.buffer]);
  }
  post({ type: 'end', requestId });
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
    try {
      if (!loaded) throw new Error(`unknown component '${msg.componentId}'`);
      const instance = loaded.instantiate((name) => loaded.setup.modules[name], loaded.imports);
      if (loaded.setup.kind === 'wasi-http') runWasiHttp(instance, msg.requestId, msg.request);
      else runInboundHttp(instance, msg.requestId, msg.request);
    } catch (err) {
      if (err instanceof GuestExit && err.ok) post({ type: 'end', requestId: msg.requestId });
      else post({ type: 'error', requestId: msg.requestId, message: describe(err) });
    }
  });
  post({ type: 'ready' });
}

await main();
