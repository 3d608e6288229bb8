/**
 * Worker entry: runs guest code, never on the thread that serves HTTP. Each request gets
 * an instance of its component that is, to the guest, fresh (componentize-js guests cannot
 * serve a second request on one instance): in `snapshot` mode the live core instances are
 * restored to their post-instantiation state (core-snapshot.ts), in `fresh` mode they are
 * made anew. The compiled core modules and the import objects are reused.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BridgeClient } from './bridge.js';
import { NativeSection } from './native-section.js';
import { ResponseWriter } from './response-writer.js';
import type { GuestExecutor } from './executor.js';
import { CoreSnapshot, NotReusable, type InstantiateCore } from './core-snapshot.js';
import { REQUEST_SERVICE, type ComponentSetup, type InstanceMode, type FromWorker, type ToWorker, type WorkerSetup } from './protocol.js';
import type { GuestImportsFactory, GuestSide } from '../factors/factor.js';
import { GuestExit, LineSink } from '../wasi/cli.js';
import { versionTolerant, wasiImports } from '../wasi/index.js';
import { setBeforeBlocking } from '../wasi/io.js';
import { installJspiStandIn } from './p3/jspi-standin.js';
import { p3Imports } from './p3/imports-p3.js';

type GlueInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, object>,
  instantiateCore?: InstantiateCore,
) => Record<string, any>;

/** An instance ready for one request, and the snapshot it runs on (none for a fresh one). */
interface Ready {
  exports: Record<string, any>;
  snapshot?: CoreSnapshot;
}

interface Loaded {
  setup: ComponentSetup;
  instantiate: GlueInstantiate;
  imports: Record<string, object>;
  /** Each factor's guest side, for its per-instance and end-of-request steps. */
  sides: GuestSide[];
  /** The guest's stdout and stderr: a partial line is emitted when the request ends. */
  sinks: LineSink[];
  /** This component's mode in this worker: `snapshot` falls back to `fresh` when it cannot work. */
  mode: InstanceMode;
  /** The live instances restored between requests (snapshot mode). */
  snapshot?: CoreSnapshot;
  /** Requests in a row whose memory grew (each forcing a rebuild). */
  grewInARow: number;
  /** An instance made (or restored) ahead of time, while the worker was idle. */
  spare?: Ready;
}

/** A guest whose memory grows this many requests in a row gets fresh instances: a snapshot would be rebuilt every time. */
const GREW_IN_A_ROW_LIMIT = 3;

const data = workerData as WorkerSetup & {
  bridgePort: MessagePort;
  bridgeShared: SharedArrayBuffer;
  responseAcks: SharedArrayBuffer;
  nativeCell: SharedArrayBuffer;
};
const responseAcks = new BigInt64Array(data.responseAcks);
const port = parentPort!;
const post = (msg: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer as never);
const bridge = new BridgeClient(data.bridgePort, data.bridgeShared);
const nativeSection = new NativeSection(data.nativeCell);
let currentRequestId = 0;
/** When the running request is cut off (epoch ms); the pool's timer is the authority, this bounds native calls. */
let currentDeadline = 0;

async function load(setup: ComponentSetup, factories: Array<[string, GuestImportsFactory]>): Promise<Loaded> {
  // spinTsAsyncAbi: set in the glue of a WASIp3 component (p3/glue-p3.ts).
  const mod = (await import(setup.jsUrl)) as { instantiate: Loaded['instantiate']; spinTsAsyncAbi?: boolean };
  const asyncAbi = mod.spinTsAsyncAbi === true;
  const output = (stream: 'stdout' | 'stderr') => (text: string) => {
    if (!data.quiet) post({ type: 'log', line: `[${setup.id}${stream === 'stderr' ? ' stderr' : ''}] ${text}`, guest: { component: setup.id, stream, text } });
  };
  const hostLog = (line: string) => post({ type: 'log', line: `[${setup.id}] ${line}` });
  const sinks = [new LineSink(output('stdout')), new LineSink(output('stderr'))];
  const imports: Record<string, object> = wasiImports({
    environment: setup.environment,
    mounts: setup.mounts,
    stdout: sinks[0]!,
    stderr: sinks[1]!,
  });
  const sides: GuestSide[] = [];
  for (const [name, factory] of factories) {
    sides.push(
      factory({
        componentId: setup.id,
        config: setup.factorConfigs[name],
        call: (method, ...args) => bridge.call({ requestId: currentRequestId, componentId: setup.id, capability: name, method, args }),
        log: hostLog,
        deadline: () => currentDeadline,
        native: (fn) => nativeSection.run(fn),
      }),
    );
  }
  // Two factors may serve one interface name (jco drops the version: Spin 1's redis functions
  // and Spin 2's redis Connection both sit under 'fermyon:spin/redis'): merge, never replace.
  for (const side of sides) for (const [name, members] of Object.entries(side.imports)) imports[name] = { ...imports[name], ...members };
  // A WASIp3 instance is never snapshotted: jco keeps its tasks, streams and waitables in JS
  // beside the core instances, where a restore cannot reach (docs/wasip3.md).
  return {
    setup,
    instantiate: mod.instantiate,
    imports: asyncAbi ? p3Imports(versionTolerant(imports)) : versionTolerant(imports),
    sides,
    sinks,
    mode: asyncAbi ? 'fresh' : data.instanceMode,
    grewInARow: 0,
  };
}

function useFresh(loaded: Loaded, why: string): void {
  loaded.mode = 'fresh';
  loaded.snapshot = undefined;
  post({ type: 'log', line: `[${loaded.setup.id}] fresh instances per request in this worker: ${why}` });
}

function instantiate(loaded: Loaded): Ready {
  for (const side of loaded.sides) side.onInstance?.();
  const getCoreModule = (name: string) => loaded.setup.modules[name];
  if (loaded.mode === 'fresh') return { exports: loaded.instantiate(getCoreModule, loaded.imports) };
  const live = loaded.snapshot;
  if (live && !live.spent) {
    try {
      live.beginReuse();
      return { exports: loaded.instantiate(getCoreModule, loaded.imports, live.instantiateCore), snapshot: live };
    } catch (err) {
      if (!(err instanceof NotReusable)) throw err;
      useFresh(loaded, err.message);
      return { exports: loaded.instantiate(getCoreModule, loaded.imports) };
    }
  }
  // Build the live instances; the state right after instantiation is the snapshot.
  const built = new CoreSnapshot();
  const exports = loaded.instantiate(getCoreModule, loaded.imports, built.instantiateCore);
  try {
    built.finishBuild();
  } catch (err) {
    if (!(err instanceof NotReusable)) throw err;
    useFresh(loaded, err.message);
    return { exports };
  }
  loaded.snapshot = built;
  return { exports, snapshot: built };
}

function takeInstance(loaded: Loaded): Ready {
  const spare = loaded.spare;
  loaded.spare = undefined;
  const ready = spare && (!spare.snapshot || spare.snapshot === loaded.snapshot) ? spare : instantiate(loaded);
  ready.snapshot?.used();
  return ready;
}

/** After a request on a snapshot: drop it when it cannot be put back (it trapped, its memory grew). */
function afterRequest(loaded: Loaded, snapshot: CoreSnapshot, trapped: boolean): void {
  snapshot.check(trapped);
  if (!snapshot.spent) {
    loaded.grewInARow = 0;
    return;
  }
  if (loaded.snapshot === snapshot) loaded.snapshot = undefined;
  loaded.grewInARow = snapshot.spentBecause === 'grew' ? loaded.grewInARow + 1 : 0;
  if (loaded.grewInARow >= GREW_IN_A_ROW_LIMIT) useFresh(loaded, `its memory grew in ${GREW_IN_A_ROW_LIMIT} requests in a row`);
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
  installJspiStandIn();
  const factories: Array<[string, GuestImportsFactory]> = [];
  for (const f of data.factors) {
    const mod = (await import(f.guestModule)) as { createGuestImports: GuestImportsFactory };
    factories.push([f.name, mod.createGuestImports]);
  }
  const { execute } = (await import(data.executorModule)) as { execute: GuestExecutor };
  const components = new Map<string, Loaded>();
  for (const setup of data.components) components.set(setup.id, await load(setup, factories));

  const serve = async (msg: ToWorker): Promise<void> => {
    if (msg.type !== 'request') return;
    const loaded = components.get(msg.componentId);
    currentRequestId = msg.requestId;
    currentDeadline = msg.deadline;
    const writer = new ResponseWriter(msg.requestId, post, responseAcks);
    setBeforeBlocking(() => writer.flush());
    let ready: Ready | undefined;
    let trapped = true;
    try {
      if (!loaded) throw new Error(`unknown component '${msg.componentId}'`);
      const { requestId, componentId } = msg;
      ready = takeInstance(loaded);
      const running = execute(ready.exports, {
        componentId,
        kind: loaded.setup.kind,
        payload: msg.payload,
        response: writer,
        callRequest: (method, ...args) => bridge.call({ requestId, componentId, capability: REQUEST_SERVICE, method, args }),
      });
      // An async-ABI guest's task: the pool sends nothing else to this worker until it settles.
      if (running) await running;
      trapped = false;
    } catch (err) {
      if (err instanceof GuestExit && err.ok && writer.hasHead) writer.flush(true);
      else if (!writer.finished)
        post({ type: 'error', requestId: msg.requestId, message: err instanceof GuestExit ? 'the guest exited without a response' : describe(err) });
    } finally {
      setBeforeBlocking(() => {});
      for (const sink of loaded?.sinks ?? []) sink.finish();
      for (const side of loaded?.sides ?? []) side.onRequestEnd?.();
      if (loaded && ready?.snapshot) afterRequest(loaded, ready.snapshot, trapped);
    }
    // Make (or restore) the next request's instance now, while this worker would otherwise be idle.
    if (loaded) setImmediate(() => prepareSpare(loaded));
  };
  port.on('message', (msg: ToWorker) => void serve(msg));
  // Make every component's first instance before saying ready: a new worker's first build
  // (cold glue, the snapshot copy) then never counts against a request's timeout.
  for (const loaded of components.values()) prepareSpare(loaded);
  post({ type: 'ready' });
}

await main();
