/**
 * The small contract every host capability implements, in the spirit of Spin's factors.
 * The core (host/up.ts, the manifest and runtime-config loaders, the worker) knows this
 * contract and nothing of any one capability. A factor:
 *   - owns spin.toml component keys (`manifest`) and runtime-config sections (`runtimeConfig`),
 *     read with the loaders' line-numbered FieldReader, so a bad value is a start-up error
 *     naming the file, the field and the fix;
 *   - configure: checks the app once at start (errors before anything listens) and decides
 *     what each component's guest side gets;
 *   - guestModule: a module the worker imports; it builds the guest-facing imports
 *     (synchronous) for one component, with optional per-instance and end-of-request steps;
 *   - service: the host side on the main thread (asynchronous), reached through the bridge,
 *     typed by one interface shared with the guest side (see ./service.ts).
 */
import type { App, ComponentKeysOwner } from '../app/types.js';
import type { RuntimeConfigSectionOwner } from '../app/runtime-config.js';
import type { CallContext } from '../components/bridge.js';
import type { Readable } from 'node:stream';

export interface FactorContext {
  app: App;
  /** What this factor's `runtimeConfig.read` returned (undefined when it owns no section). */
  runtimeConfig: unknown;
  /** Absolute path of the runtime config file, when one was given. */
  runtimeConfigPath: string | undefined;
  stateDir: string;
  /** Process environment (variables read SPIN_VARIABLE_* from it). */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Requests into this app, in-process (service chaining, `self`); bound by host/up.ts once the HTTP trigger exists. */
  appHttp?: AppHttp;
}

/** Where an in-process request goes: through the app's routes as a client request would (`self`), or straight to one component. */
export type AppHttpTarget = { self: true } | { component: string };

export interface AppHttpRequest {
  method: string;
  pathWithQuery: string;
  headers: Array<[string, string]>;
  /** The request body as the caller writes it; null when there is none. */
  body: Readable | null;
  /** Aborted when the caller gives up: the callee's guest is stopped. */
  signal: AbortSignal;
  /** The id of the guest request making this one (the bridge's CallContext.requestId): the host knows its chain depth by it. */
  caller: number;
}

export interface AppHttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: ReadableStream<Uint8Array>;
}

/** The app's HTTP trigger, reached from a factor without the network; `send` rejects only when the request could not be dispatched at all. */
export interface AppHttp {
  send(target: AppHttpTarget, request: AppHttpRequest): Promise<AppHttpResponse>;
}

/** A factor's main-thread service: each method takes the call's context, then the guest's arguments. */
export type ServiceImpl<S> = {
  [K in keyof S]: S[K] extends (...args: infer A) => infer R ? (call: CallContext, ...args: A) => Promise<R> : never;
};

export interface ConfiguredFactor {
  /** Structured-cloneable data the guest side gets for this component. */
  componentConfig(componentId: string): unknown;
  /** Main-thread service reached through the bridge under the factor's name. */
  service?: object;
  /** Called on the main thread when a request ends, however it ended (release what it held). */
  onRequestEnd?(requestId: number): void;
  close?(): Promise<void>;
}

export interface Factor {
  name: string;
  /** The spin.toml component keys this factor owns (v1 and v2), read at load. */
  manifest?: Omit<ComponentKeysOwner, 'name'>;
  /** The runtime-config sections this factor owns, read at start. */
  runtimeConfig?: Omit<RuntimeConfigSectionOwner, 'name'>;
  /** File URL of the guest-side module (exports `createGuestImports: GuestImportsFactory`). */
  guestModule?: string;
  /**
   * The WIT interfaces the guest side provides, exact (`fermyon:spin/llm@2.0.0`) or with a
   * version prefix (`wasi:keyvalue/store@0.2`): a component importing anything no factor
   * (and no WASI piece) provides is refused at start (host/components/imports.ts).
   */
  interfaces?: readonly string[];
  configure(ctx: FactorContext): Promise<ConfiguredFactor>;
}

/** What the guest side of a factor receives in the worker, per component. */
export interface GuestContext {
  componentId: string;
  config: unknown;
  /** Synchronous call to this factor's service on the main thread (through the bridge); see typedService. */
  call(method: string, ...args: unknown[]): unknown;
  log(line: string): void;
  /** When the running request is cut off (epoch ms): a blocking call the guest side makes must end by then. */
  deadline(): number;
  /**
   * Runs a synchronous native call (a SQLite statement) that the worker must not be
   * terminated in the middle of (host/components/native-section.ts); `fn` must itself end
   * by `deadline()`. Throws instead of calling `fn` once the request is being stopped.
   */
  native<T>(fn: () => T): T;
}

/** The guest side of a factor for one component. */
export interface GuestSide {
  /** WIT interface name → implementation, e.g. { 'fermyon:spin/llm': { infer, generateEmbeddings } }. */
  imports: Record<string, object>;
  /** Runs before each new instance of the component is made. */
  onInstance?(): void;
  /** Runs in the worker after each request, however it ended. */
  onRequestEnd?(): void;
}

export type GuestImportsFactory = (ctx: GuestContext) => GuestSide;

/** What a factor read from one component's keys (undefined when the component has none of them). */
export function componentData<T>(app: App, componentId: string, factor: string): T | undefined {
  return app.components.get(componentId)?.factors[factor] as T | undefined;
}
