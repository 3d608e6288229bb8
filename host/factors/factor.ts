/**
 * The small contract every host capability (llm, variables, later key-value and
 * outbound http) implements, in the spirit of Spin's factors. The core knows this
 * contract and nothing of any one capability:
 *   - configure: checks the app once at start (errors before anything listens) and
 *     decides what each component's guest side needs;
 *   - guestModule: a module the worker imports; it builds the guest-facing imports
 *     (synchronous) for one component;
 *   - service: the host side on the main thread (asynchronous), reached through the bridge.
 */
import type { App } from '../app/types.js';
import type { RuntimeConfig } from '../app/runtime-config.js';
import type { ServiceHandler } from '../components/bridge.js';

export interface FactorContext {
  app: App;
  runtimeConfig: RuntimeConfig;
  stateDir: string;
  /** Process environment (variables read SPIN_VARIABLE_* from it). */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface ConfiguredFactor {
  /** Structured-cloneable data the guest side gets for this component. */
  componentConfig(componentId: string): unknown;
  /** Main-thread service reached through the bridge under the factor's name. */
  service?: ServiceHandler;
  close?(): Promise<void>;
}

export interface Factor {
  name: string;
  /** File URL of the guest-side module (exports `createGuestImports: GuestImportsFactory`). */
  guestModule: string;
  configure(ctx: FactorContext): Promise<ConfiguredFactor>;
}

/** What the guest side of a factor receives in the worker, per component. */
export interface GuestContext {
  componentId: string;
  config: unknown;
  /** Synchronous call to this factor's service on the main thread (through the bridge). */
  call(method: string, ...args: unknown[]): unknown;
  log(line: string): void;
}

export type GuestImportsFactory = (ctx: GuestContext) => Record<string, object>;
