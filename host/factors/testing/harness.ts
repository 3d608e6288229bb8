/**
 * A factor test harness: a factor's guest imports wired to its real main-thread service
 * through the real bridge, with no component, HTTP or worker pool. A test calls a guest
 * import by WIT interface and function name and gets what a guest would get: the value,
 * or the `error` payload of the WIT `result`.
 *
 *   const h = await factorHarness(llmFactor(fakeEngine), { manifest, component: 'hello' });
 *   const r = await h.call('fermyon:spin/llm', 'infer', ['m', 'hi', undefined]);
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { App } from '../../app/types.js';
import { loadRuntimeConfig } from '../../app/runtime-config.js';
import { BridgeServer } from '../../components/bridge.js';
import { loadAppWithFactors } from '../../load-app.js';
import type { ConfiguredFactor, Factor } from '../factor.js';
import { serviceHandler } from '../service.js';
import type { HarnessCall, HarnessReply } from './harness-worker.js';

export type GuestResult = { ok: true; value: unknown } | { ok: false; error: unknown; message: string };

export interface HarnessOptions {
  /** spin.toml text; component sources need not exist. */
  manifest: string;
  /** The component whose guest side is called. */
  component: string;
  /** Runtime config TOML text, if any. */
  runtimeConfig?: string;
  env?: NodeJS.ProcessEnv;
  stateDir?: string;
}

export interface FactorHarness {
  app: App;
  configured: ConfiguredFactor;
  logs: string[];
  /** Calls a guest import as the component would, on a fresh request. */
  call(iface: string, fn: string, args: unknown[]): Promise<GuestResult>;
  /** Aborts the signal services see for the request now running (as a client going away). */
  abortCurrent(): void;
  close(): Promise<void>;
}

export async function factorHarness(factor: Factor, opts: HarnessOptions): Promise<FactorHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-factor-'));
  await writeFile(join(dir, 'spin.toml'), opts.manifest);
  const app = await loadAppWithFactors(dir, { checkSources: false });
  let rcFile: string | undefined;
  if (opts.runtimeConfig !== undefined) {
    rcFile = join(dir, 'runtime-config.toml');
    await writeFile(rcFile, opts.runtimeConfig);
  }
  const owners = factor.runtimeConfig ? [{ name: factor.name, ...factor.runtimeConfig }] : [];
  const rc = await loadRuntimeConfig(rcFile, owners);
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const configured = await factor.configure({
    app,
    runtimeConfig: rc.sections[factor.name],
    runtimeConfigPath: rc.path,
    stateDir: opts.stateDir ?? join(dir, '.spin'),
    env: opts.env ?? {},
    log,
  });
  if (!factor.guestModule) throw new Error(`factor '${factor.name}' has no guest side`);

  let requestId = 0;
  let controller = new AbortController();
  const services = new Map(configured.service ? [[factor.name, serviceHandler(factor.name, configured.service)]] : []);
  const bridge = new BridgeServer(services, (id) => (id === requestId ? controller.signal : undefined));
  const worker = new Worker(new URL('./harness-worker.js', import.meta.url), {
    workerData: {
      factor: factor.name,
      guestModule: factor.guestModule,
      componentId: opts.component,
      config: configured.componentConfig(opts.component),
      bridgePort: bridge.workerPort,
      bridgeShared: bridge.shared,
    },
    transferList: [bridge.workerPort as never],
  });
  const pending = new Map<number, (r: GuestResult) => void>();
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: HarnessReply | { ready: true } | { log: string }) => {
      if ('ready' in msg) return resolve();
      if ('log' in msg) return log(msg.log);
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      if (!done) return;
      configured.onRequestEnd?.(requestId);
      done(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error, message: msg.message });
    });
    worker.once('error', reject);
  });

  let nextId = 1;
  return {
    app,
    configured,
    logs,
    call(iface, fn, args) {
      requestId++;
      controller = new AbortController();
      const msg: HarnessCall = { id: nextId++, iface, fn, args, requestId };
      return new Promise((resolve) => {
        pending.set(msg.id, resolve);
        worker.postMessage(msg);
      });
    },
    abortCurrent: () => controller.abort(new Error('the client went away')),
    async close() {
      bridge.close();
      await worker.terminate();
      await configured.close?.();
    },
  };
}
