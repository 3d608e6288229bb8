/** Messages between the main thread and a guest worker. */

export type TriggerKind = 'wasi-http' | 'inbound-http';

export interface ComponentSetup {
  id: string;
  kind: TriggerKind;
  /** file:// URL of jco's instantiation-mode module. */
  jsUrl: string;
  /** Core modules, compiled once on the main thread and shared with every worker. */
  modules: Record<string, WebAssembly.Module>;
  environment: Array<[string, string]>;
  mounts: Array<{ source: string; destination: string; isDirectory: boolean }>;
  /** Per-factor guest configuration, by factor name. */
  factorConfigs: Record<string, unknown>;
}

export interface WorkerSetup {
  components: ComponentSetup[];
  factors: Array<{ name: string; guestModule: string }>;
  /** Drop guest stdout/stderr (spin-ts up --quiet). */
  quiet: boolean;
}

export interface GuestRequest {
  method: string;
  /** Path and query as the client sent them. */
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
}

export type ToWorker = { type: 'request'; requestId: number; componentId: string; request: GuestRequest };

export type FromWorker =
  | { type: 'ready' }
  /** The response head, with the body written so far; `done` when that is the whole response. */
  | { type: 'head'; requestId: number; status: number; headers: Array<[string, string]>; body: Uint8Array | null; done: boolean }
  | { type: 'chunk'; requestId: number; bytes: Uint8Array; done: boolean }
  | { type: 'end'; requestId: number }
  | { type: 'error'; requestId: number; message: string }
  | { type: 'log'; line: string };
