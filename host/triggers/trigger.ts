/**
 * The contract of a trigger besides HTTP (which `up` still starts itself): its manifest
 * tables, its check of a component's exports, and how it starts once the worker pool runs.
 * host/triggers/index.ts lists them, as host/factors/index.ts lists the factors.
 */
import type { App, TriggerOwner } from '../app/types.js';
import type { WorkerPool } from '../components/pool.js';

export interface TriggerStartContext {
  app: App;
  pool: WorkerPool;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface RunningTrigger {
  /** What `up` prints after it starts (Spin's "Active Channels" for Redis). */
  lines: string[];
  close(): Promise<void>;
}

export interface Trigger {
  /** The manifest's name for it: `[[trigger.<type>]]`. */
  type: string;
  /** Reads its tables; what it reads is App.triggers[].config and App.triggerSettings[type]. */
  manifest: TriggerOwner;
  /** The interface a component it names serves (ComponentSetup.kind, which host/triggers/executor.ts runs); throws ComponentError when none. */
  detect(componentId: string, exports: string[]): string;
  start(ctx: TriggerStartContext): Promise<RunningTrigger>;
}
