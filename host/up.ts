/**
 * `spin-ts up` as a library: load the app, configure the factors, prepare the
 * components, start the guest workers and the HTTP trigger. Tests and the CLI both
 * start apps through here.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServerType } from '@hono/node-server';
import { loadApp } from './app/manifest.js';
import { retainComponents } from './app/retain.js';
import { loadRuntimeConfig } from './app/runtime-config.js';
import type { App } from './app/types.js';
import type { ServiceHandler } from './components/bridge.js';
import { WorkerPool } from './components/pool.js';
import type { InstanceMode } from './components/protocol.js';
import { prepareComponents } from './components/prepare.js';
import type { ComponentSetup } from './components/protocol.js';
import type { AppHttp, ConfiguredFactor, Factor } from './factors/factor.js';
import { appFactors, manifestOwners, runtimeConfigOwners } from './factors/index.js';
import { serviceHandler } from './factors/service.js';
import type { EngineOptions } from './llm/create.js';
import type { LlmEngine } from './llm/engine.js';
import { LLM_DEFAULTS, llmRuntimeConfig, type LlmRuntimeConfig } from './llm/runtime-config.js';
import { GuestLogs } from './guest-logs.js';
import { llmServing } from './llm-serving.js';
import { listen, parseListenAddress } from './listen-address.js';
import { openAiRuntimeConfig, type OpenAiRuntimeConfig } from './openai/config.js';
import type { OpenAiServer } from './openai/server.js';
import { UserError } from './user-error.js';
import { wasiInterfaces } from './wasi/index.js';
import type { HttpInterface } from './triggers/http/detect.js';
import { createHttpTrigger, describeRoutes } from './triggers/http/server.js';
import { createInternalHttp } from './triggers/http/internal.js';
import { detectKind, EXECUTOR_MODULE, TRIGGERS, triggerOwners } from './triggers/index.js';
import type { RunningTrigger } from './triggers/trigger.js';

export interface UpOptions {
  /** Manifest file or directory (default ./spin.toml). */
  from: string;
  /** host:port (default 127.0.0.1:3000; port 0 picks a free one). */
  listen: string;
  stateDir?: string;
  runtimeConfigFile?: string;
  /** -e KEY=VALUE: environment for every component. */
  env: Record<string, string>;
  requestTimeoutMs: number;
  /** Drop guest stdout/stderr. */
  quiet: boolean;
  /**
   * Guest worker threads (default: max(4, 2 × cores)). Fewer are faster for guests that only
   * compute (bench: instances), but a guest blocked on a host call (LLM, outbound HTTP) holds
   * its worker, so the default keeps room for those.
   */
  workers?: number;
  /** How each request gets a fresh-looking instance (default snapshot; see InstanceMode). */
  instanceMode?: InstanceMode;
  /** Cap on each guest instance's linear memory and each worker's JS heap, in MiB (default 512). */
  guestMemoryMb?: number;
  /** Larger request bodies get 413 (default: the HTTP trigger's, 100 MiB). */
  maxRequestBodyBytes?: number;
  llm?: Omit<EngineOptions, 'config' | 'stateDir' | 'log'>;
  /** Where the transpile cache lives (default $SPIN_TS_CACHE_DIR or ~/.cache/spin-ts). */
  cacheDir?: string;
  /** Process environment (variables are read from it). */
  processEnv?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** host:port for the OpenAI-compatible API (and Spin's remote protocol) on the app's engine. */
  openaiListen?: string;
  /** API keys for that API (--api-key); the runtime config's [openai] api_keys and SPIN_TS_API_KEYS are added. */
  apiKeys?: string[];
  /** --key-value KEY=VALUE: set in the default key-value store at start. */
  keyValues?: Array<[string, string]>;
  /** --sqlite: statements (or @file.sql) run on the default SQLite database at start. */
  sqlite?: string[];
  /** Browser origins allowed to call that API (--cors-origin; `*`: any). */
  corsOrigins?: string[];
  /** --tls-cert/--tls-key: serve the app over HTTPS with these PEM files. */
  tls?: { certFile: string; keyFile: string };
  /** --find-free-port: when the --listen port is taken, try the next ones. */
  findFreePort?: boolean;
  /** -c/--component-id: run only these components (and the triggers that name them). */
  componentIds?: string[];
  /** --follow: show only these components' output on the console. */
  follow?: string[];
  /** -L/--log-dir: also append each component's stdout/stderr to files there. */
  logDir?: string;
}

export interface RunningApp {
  app: App;
  /** The HTTP listener's origin; absent when the app has only other triggers (Redis), as Spin then listens nowhere. */
  origin?: string;
  routeLines: string[];
  /** What the other triggers print once started (Spin's "Active Channels on …" for Redis). */
  triggerLines: string[];
  pool: WorkerPool;
  /** The engine, once something has asked for it. */
  engine(): Promise<LlmEngine>;
  /** The OpenAI-compatible listener, with --openai-listen. */
  openai?: OpenAiServer;
  close(): Promise<void>;
}

/** What a component may import: WASI 0.2 and every factor's interfaces. */
function providedInterfaces(factors: readonly Factor[]): Set<string> {
  return new Set([...wasiInterfaces(), ...factors.flatMap((f) => f.interfaces ?? [])]);
}

/** Reads the --tls-cert/--tls-key files, or says which one cannot be read. */
function readTls(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new UserError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}). Pass a PEM file.`);
    }
  };
  return { cert: read('--tls-cert', files.certFile), key: read('--tls-key', files.keyFile) };
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SPIN_TS_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'spin-ts');
}

export async function up(opts: UpOptions): Promise<RunningApp> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const env = opts.processEnv ?? process.env;
  const { host, port } = parseListenAddress('--listen', opts.listen);
  const openaiAddr = opts.openaiListen === undefined ? undefined : parseListenAddress('--openai-listen', opts.openaiListen);
  if (!openaiAddr && (opts.corsOrigins?.length ?? 0) > 0) throw new Error('--cors-origin applies to the OpenAI-compatible API: add --openai-listen');

  // The factors come first: they own manifest keys and runtime-config sections. The engine
  // they are handed is made on first use, once the runtime config is known.
  let getEngine: () => Promise<LlmEngine> = () => Promise.reject(new Error('the LLM engine is not set up yet'));
  const factors: Factor[] = appFactors({ llmEngine: () => getEngine(), keyValueSeeds: opts.keyValues, sqliteSeed: opts.sqlite ?? [] });
  const app = retainComponents(await loadApp(opts.from, { owners: manifestOwners(factors), triggerOwners: triggerOwners() }), opts.componentIds ?? []);
  const guestLogs = new GuestLogs({ quiet: opts.quiet, follow: opts.follow ?? [], logDir: opts.logDir, print: log }, app.components.keys());
  const tls = opts.tls ? readTls(opts.tls) : undefined;
  const runtimeConfig = await loadRuntimeConfig(opts.runtimeConfigFile, [...runtimeConfigOwners(factors), openAiRuntimeConfig]);
  const stateDir = resolve(opts.stateDir ?? runtimeConfig.stateDir ?? join(app.baseDir, '.spin'));
  const llm = llmServing({
    llm: (runtimeConfig.sections[llmRuntimeConfig.name] as LlmRuntimeConfig | undefined) ?? LLM_DEFAULTS,
    openai: runtimeConfig.sections[openAiRuntimeConfig.name] as OpenAiRuntimeConfig,
    runtimeConfigPath: runtimeConfig.path,
    stateDir,
    engine: opts.llm,
    api: openaiAddr !== undefined,
    apiKeys: opts.apiKeys,
    corsOrigins: opts.corsOrigins,
    env,
    log,
  });
  getEngine = llm.engine;

  // Bound below, once the HTTP trigger listens: factors hold this handle from configure on.
  const bound: { appHttp?: AppHttp } = {};
  const appHttp: AppHttp = {
    send: (target, req) => (bound.appHttp ? bound.appHttp.send(target, req) : Promise.reject(new Error('the HTTP trigger is not running yet'))),
  };
  const configured: Array<[Factor, ConfiguredFactor]> = [];
  for (const f of factors) {
    const ctx = { app, runtimeConfig: runtimeConfig.sections[f.name], runtimeConfigPath: runtimeConfig.path, stateDir, env, log, appHttp };
    configured.push([f, await f.configure(ctx)]);
  }

  const guestMemoryMb = opts.guestMemoryMb ?? 512;
  const prepared = await prepareComponents(app, {
    cacheDir: opts.cacheDir ?? defaultCacheDir(env),
    guestMemoryBytes: guestMemoryMb * 1024 * 1024,
    detectKind: detectKind(app),
    provided: providedInterfaces(factors),
    log,
  });

  const withGuests = configured.filter(([f]) => f.guestModule !== undefined);
  const components: ComponentSetup[] = [...prepared.values()].map((p) => ({
    id: p.component.id,
    kind: p.kind,
    jsUrl: p.jsUrl,
    modules: p.modules,
    environment: Object.entries({ ...p.component.environment, ...opts.env }),
    mounts: p.component.files,
    factorConfigs: Object.fromEntries(withGuests.map(([f, c]) => [f.name, c.componentConfig(p.component.id)])),
  }));
  const services = new Map<string, ServiceHandler>();
  for (const [f, c] of configured) if (c.service) services.set(f.name, serviceHandler(f.name, c.service));

  const pool = new WorkerPool({
    size: opts.workers ?? Math.max(4, 2 * availableParallelism()),
    setup: {
      components,
      instanceMode: opts.instanceMode ?? 'snapshot',
      factors: withGuests.map(([f]) => ({ name: f.name, guestModule: f.guestModule! })),
      executorModule: EXECUTOR_MODULE,
      quiet: guestLogs.discardsEverything,
    },
    services,
    requestTimeoutMs: opts.requestTimeoutMs,
    workerHeapMb: guestMemoryMb,
    maxQueue: 1024,
    log,
    guestOutput: (output, line) => guestLogs.write(output, line),
    onRequestEnd: (requestId) => {
      for (const [, c] of configured) c.onRequestEnd?.(requestId);
    },
  });
  await pool.start();

  // The HTTP trigger serves the components no other trigger names (`<id>.spin.internal` included).
  const otherTriggered = new Set(app.triggers.map((t) => t.component));
  const kinds = new Map([...prepared].filter(([id]) => !otherTriggered.has(id)).map(([id, p]) => [id, p.kind as HttpInterface]));
  const { hono, router, dispatch } = createHttpTrigger({ app, pool, kinds, maxRequestBodyBytes: opts.maxRequestBodyBytes, log });
  // As Spin: an app of Redis triggers only listens for no HTTP.
  const serveHttp = app.httpTriggers.length > 0 || app.triggers.length === 0;
  let server: ServerType | undefined;
  let origin: string | undefined;
  const closeServer = () => new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (serveHttp) {
    try {
      ({ server, origin } = await listen(hono, host, port, { tls, findFreePort: opts.findFreePort }));
    } catch (err) {
      await pool.close();
      throw new Error(`cannot listen on ${opts.listen}: ${(err as Error).message}`);
    }
    bound.appHttp = createInternalHttp({ dispatch, pool, kinds, origin, maxRequestBodyBytes: opts.maxRequestBodyBytes });
  } else {
    bound.appHttp = { send: () => Promise.reject(new Error('the app has no HTTP triggers, so nothing serves requests into it')) };
  }
  const triggers: RunningTrigger[] = [];
  const closeTriggers = () => Promise.all(triggers.map((t) => t.close()));
  let openai: OpenAiServer | undefined;
  try {
    for (const t of TRIGGERS) if (app.triggers.some((x) => x.type === t.type)) triggers.push(await t.start({ app, pool, env, log }));
    if (openaiAddr) openai = await llm.startApi(openaiAddr);
  } catch (err) {
    await closeTriggers();
    await closeServer();
    await pool.close();
    throw err;
  }

  return {
    app,
    ...(origin !== undefined ? { origin } : {}),
    routeLines: origin !== undefined ? describeRoutes(router, origin) : [],
    triggerLines: triggers.flatMap((t) => t.lines),
    pool,
    engine: llm.engine,
    ...(openai ? { openai } : {}),
    async close() {
      await closeTriggers();
      await openai?.close();
      await closeServer();
      await pool.close();
      for (const [, c] of configured) await c.close?.();
      await llm.close();
      await guestLogs.close();
    },
  };
}
