/** Messages between the main thread and a guest worker. The pool knows no trigger: what a request carries is the trigger's business. */

export interface ComponentSetup {
  id: string;
  /** What the trigger's executor calls this component's interface (e.g. 'wasi-http'); opaque here. */
  kind: string;
  /** file:// URL of jco's instantiation-mode module. */
  jsUrl: string;
  /** Core modules, compiled once on the main thread and shared with every worker. */
  modules: Record<string, WebAssembly.Module>;
  environment: Array<[string, string]>;
  mounts: Array<{ source: string; destination: string; isDirectory: boolean }>;
  /** Per-factor guest configuration, by factor name. */
  factorConfigs: Record<string, unknown>;
}

/**
 * How a worker gives each request a fresh-looking instance: `snapshot` keeps one live
 * instance per component and restores its memory and globals between requests
 * (core-snapshot.ts); `fresh` instantiates the component anew for every request.
 */
export type InstanceMode = 'fresh' | 'snapshot';
export const INSTANCE_MODES: readonly InstanceMode[] = ['fresh', 'snapshot'];

export interface WorkerSetup {
  components: ComponentSetup[];
  instanceMode: InstanceMode;
  factors: Array<{ name: string; guestModule: string }>;
  /** File URL of the trigger's executor module (exports `execute: GuestExecutor`, see executor.ts). */
  executorModule: string;
  /** Drop guest stdout/stderr in the worker (spin-ts up --quiet with no --log-dir): nothing on the main thread wants it. */
  quiet: boolean;
}

/** `payload` is the trigger's own structured-cloneable description of the request. */
export type ToWorker = {
  type: 'request';
  requestId: number;
  componentId: string;
  payload: unknown;
  /** When the guest's native calls are interrupted (epoch ms): just after the pool cuts the request off. */
  deadline: number;
};

export type FromWorker =
  | { type: 'ready' }
  /** The response head, with the body written so far; `done` when that is the whole response. */
  | { type: 'head'; requestId: number; status: number; headers: Array<[string, string]>; body: Uint8Array | null; done: boolean }
  | { type: 'chunk'; requestId: number; bytes: Uint8Array; done: boolean }
  | { type: 'end'; requestId: number }
  | { type: 'error'; requestId: number; message: string }
  /** A host line (`guest` unset), or a line the guest wrote to stdout/stderr. */
  | { type: 'log'; line: string; guest?: GuestOutput };

/** One line of a component's stdout or stderr. */
export interface GuestOutput {
  component: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The bridge capability under which a worker reaches the service of the request it runs (PoolWorker routes it to the job's own handler). */
export const REQUEST_SERVICE = '@request';

/**
 * Response backpressure: a guest may have at most this many response bytes posted and not
 * yet taken by the client's connection; past it the worker waits (Atomics.wait) until the
 * main thread acknowledges more. The acknowledgement lives in a SharedArrayBuffer per
 * worker (workerData.responseAcks): a BigInt64 of bytes the client's side has taken of the
 * request now running, reset to 0 before each request is posted.
 */
export const RESPONSE_WINDOW_BYTES = 4 * 1024 * 1024;
