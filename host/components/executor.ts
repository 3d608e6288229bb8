/**
 * The contract between the worker and a trigger: the worker makes a fresh instance and
 * hands it, with the request's opaque payload, to the trigger's executor, which calls the
 * guest's export and writes the response. The worker imports the executor module by URL
 * (WorkerSetup.executorModule), as it imports factor guest modules, so this folder knows
 * no trigger.
 */
import type { ResponseWriter } from './response-writer.js';

export interface ExecutionContext {
  componentId: string;
  /** The component's interface as the trigger detected it (ComponentSetup.kind). */
  kind: string;
  /** The request as the trigger described it (ToWorker.payload). */
  payload: unknown;
  /** Where the guest's response goes. */
  response: ResponseWriter;
  /** Synchronous call to this request's own host service on the main thread (WorkerPool.handle's `service`), through the bridge. */
  callRequest(method: string, ...args: unknown[]): unknown;
}

/**
 * Runs one request on `instance`; throws when the guest fails (the worker reports it). An
 * async-ABI (WASIp3) guest runs as a task: its executor returns a Promise that settles when
 * the response is complete, and the worker serves nothing else until then.
 */
export type GuestExecutor = (instance: Record<string, any>, ctx: ExecutionContext) => void | Promise<void>;
