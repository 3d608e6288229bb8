/** Prepares every component of an app once, before anything listens: transpile (cached), detect its trigger, compile its core modules. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App, Component } from '../app/types.js';
import { adaptModule, type ModuleAdaptation } from './adapt-module.js';
import { ComponentError } from './component-error.js';
import { checkImports, importsOfComponent, missingImports } from './imports.js';
import { isP3Component } from './p3/component-exports.js';
import { NeedsJspiError, transpileP3Cached } from './p3/transpile-p3.js';
import { capMemory } from './memory-cap.js';
import { transpileCached } from './transpile.js';
import { hasComponentType, Spin1ModuleError } from './spin1-module.js';
import { warnOfWasiLibc377 } from './wasi-libc-bug.js';
import { coreModuleKind, wasmKindOfFile } from './wasm-kind.js';

export interface PreparedComponent<Kind extends string = string> {
  component: Component;
  kind: Kind;
  jsUrl: string;
  modules: Record<string, WebAssembly.Module>;
  cacheHit: boolean;
  transpileMs: number;
  compileMs: number;
}

export interface PrepareOptions<Kind extends string = string> {
  cacheDir: string;
  /** The trigger's check of a component's exports: which of its interfaces it serves (throws ComponentError when none); `executor` is its trigger's executor type when not the default. */
  detectKind: (componentId: string, exports: string[], executor?: string) => Kind;
  /** Cap on each instance's linear memory, in bytes. */
  guestMemoryBytes: number;
  /** The interfaces the host provides (WASI and every factor's); importing anything else is refused. */
  provided: ReadonlySet<string>;
  log: (line: string) => void;
}

/** The executor type the app's triggers give this component: undefined for Spin's own; one component cannot be served by two. */
function executorOf(app: App, component: Component): string | undefined {
  const types = new Set(app.httpTriggers.filter((t) => t.component === component.id).map((t) => t.executor?.type ?? 'spin'));
  if (types.size > 1)
    throw new ComponentError(
      component.id,
      'it is used by a "wagi" trigger and a "spin" trigger; a component runs under one executor. Give the WAGI trigger its own component.',
    );
  const [type] = types;
  return type === 'spin' ? undefined : type;
}

/** A core module runs once adapted into a component (adapt-module.ts): a WASI command under a WAGI trigger, a Spin 1.x HTTP module, or a module carrying its world; anything else is refused, naming what it is. */
async function componentSource(
  component: Component,
  executor: string | undefined,
  cacheDir: string,
  log: (line: string) => void,
): Promise<{ path: string; adaptMs: number; adapted: boolean }> {
  const kind0 = await wasmKindOfFile(component.source);
  if (kind0 === 'not-wasm') {
    throw new ComponentError(
      component.id,
      `${component.sourceAsWritten} is not a valid WebAssembly component: it is not WebAssembly at all (its first bytes are not \`\\0asm\`). Point source at the component's .wasm.`,
    );
  }
  if (kind0 === 'component') return { path: component.source, adaptMs: 0, adapted: false };
  const bytes = await readFile(component.source);
  let exports: string[];
  try {
    exports = WebAssembly.Module.exports(await WebAssembly.compile(bytes)).map((e) => e.name);
  } catch (err) {
    throw new ComponentError(component.id, `${component.sourceAsWritten} is not a valid WebAssembly module: ${(err as Error).message}`);
  }
  const kind = coreModuleKind(exports, hasComponentType(bytes));
  if (kind === 'wasi-command' && executor !== 'wagi') {
    throw new ComponentError(
      component.id,
      `${component.sourceAsWritten} is a WASI preview1 command module (it exports _start): it runs as a WAGI handler. Add executor = { type = "wagi" } to its HTTP trigger.`,
    );
  }
  if (kind !== 'wasi-command' && executor === 'wagi') {
    throw new ComponentError(
      component.id,
      `${component.sourceAsWritten} is under a WAGI trigger, but it is not a WASI preview1 command module (no _start export): a WAGI handler is a command. Remove the executor to run it as a Spin component.`,
    );
  }
  const adaptation: Record<typeof kind, ModuleAdaptation | undefined> = {
    'wasi-command': 'wagi-command',
    'spin1-http': 'spin1-http',
    'bindgen-module': 'bindgen-reactor',
    other: undefined,
  };
  const how = adaptation[kind];
  if (!how) {
    throw new ComponentError(
      component.id,
      `${component.sourceAsWritten} is a WebAssembly core module that is neither a Spin 1.x HTTP module (no handle-http-request export), nor a WASI command (no _start export), nor a module carrying its world (no component-type section), so nothing can run it: build it as a component.`,
    );
  }
  const what = {
    'wagi-command': 'a WASI preview1 command module',
    'spin1-http': 'a Spin 1.x HTTP module (it exports handle-http-request)',
    'bindgen-reactor': 'a core module built with wit-bindgen',
  }[how];
  if (how === 'wagi-command') warnOfWasiLibc377(log, component.id, component.sourceAsWritten, bytes);
  try {
    const adapted = await adaptModule(bytes, how, cacheDir);
    return { path: adapted.path, adaptMs: adapted.adaptMs, adapted: true };
  } catch (err) {
    const reason = err instanceof Spin1ModuleError ? err.message : `${(err as Error).message ?? err}`;
    throw new ComponentError(component.id, `${component.sourceAsWritten} is ${what}, but it cannot be made into a component: ${reason}`);
  }
}

/** The module the worker loads in place of jco's for a WAGI component (command-glue.ts): written beside jco's output on every start, so it names this install's glue. */
async function writeCommandModule(dir: string): Promise<string> {
  const glue = new URL('./command-glue.js', import.meta.url).href;
  const source = [
    "import { instantiate as inner } from './component.js';",
    `import { commandInstantiate } from ${JSON.stringify(glue)};`,
    'export function instantiate(getCoreModule, imports) {',
    '  return commandInstantiate(inner, getCoreModule, imports);',
    '}',
    '',
  ].join('\n');
  const path = join(dir, 'command.js');
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, source);
  await rename(tmp, path);
  return path;
}

/**
 * The SDKs' WASIp3 worlds import every Spin and WASI interface, in their 0.3 and Spin 3.x
 * versions too, whether the app uses them or not. Those spin-ts does not serve yet get
 * stand-ins that fail when called (p3/imports-p3.ts), said once at start; anything else
 * missing is still refused.
 */
function withoutP3StandIns(componentId: string, imports: string[], opts: PrepareOptions<string>): string[] {
  const standIn = (name: string) => /@0\.3\.0(?:-rc-[\d-]+)?$/.test(name) || /^spin:[a-z-]+\/[a-z-]+@[34]\.\d+\.\d+$/.test(name);
  const exempt = missingImports(imports, opts.provided).filter(standIn);
  // wasi:http/types@0.3 is served (p3/http-types-p3.ts); the rest are stand-ins.
  const stood = exempt.filter((name) => !/^wasi:http\/types@0\.3\./.test(name));
  if (stood.length > 0) {
    opts.log(`component ${componentId}: WASIp3; ${stood.length} imported interfaces are not served to p3 guests yet and fail when called: ${stood.join(', ')}`);
  }
  return imports.filter((name) => !exempt.includes(name));
}

async function prepareOne<Kind extends string>(app: App, component: Component, opts: PrepareOptions<Kind>): Promise<PreparedComponent<Kind>> {
  const executor = executorOf(app, component);
  const source = await componentSource(component, executor, opts.cacheDir, opts.log);
  // A WASIp3 (async ABI) component goes to jco 1.35 (p3/transpile-p3.ts): jco 1.15 cannot read it.
  const p3 = !source.adapted && isP3Component(await readFile(source.path));
  let transpiled;
  try {
    transpiled = p3
      ? await transpileP3Cached(source.path, opts.cacheDir)
      : await transpileCached(source.path, opts.cacheDir, { reallocEmptyStrings: source.adapted });
  } catch (err) {
    if (err instanceof NeedsJspiError) throw new ComponentError(component.id, `${component.sourceAsWritten} cannot run on Node 20: ${err.message}.`);
    throw new ComponentError(component.id, `${component.sourceAsWritten} is not a valid WebAssembly component: ${(err as Error).message}`);
  }
  const kind = opts.detectKind(component.id, transpiled.exports, executor);
  const jsPath = executor === 'wagi' ? await writeCommandModule(transpiled.dir) : transpiled.jsPath;
  const imports = await importsOfComponent(source.path, transpiled.imports);
  checkImports(component.id, p3 ? withoutP3StandIns(component.id, imports, opts) : imports, opts.provided);
  const started = performance.now();
  const modules: Record<string, WebAssembly.Module> = {};
  await Promise.all(
    transpiled.coreModules.map(async (name) => {
      const bytes = await readFile(join(transpiled.dir, name));
      modules[name] = await WebAssembly.compile(capMemory(bytes, opts.guestMemoryBytes) as Uint8Array<ArrayBuffer>);
    }),
  );
  const compileMs = performance.now() - started;
  opts.log(
    `component ${component.id}: ${kind}, ${source.adapted ? `module adapted in ${source.adaptMs.toFixed(0)} ms, ` : ''}${transpiled.cacheHit ? 'transpile cache hit' : `transpiled in ${transpiled.transpileMs.toFixed(0)} ms`}, compiled in ${compileMs.toFixed(0)} ms`,
  );
  return {
    component,
    kind,
    jsUrl: pathToFileURL(jsPath).href,
    modules,
    cacheHit: transpiled.cacheHit,
    transpileMs: transpiled.transpileMs,
    compileMs,
  };
}

export async function prepareComponents<Kind extends string>(app: App, opts: PrepareOptions<Kind>): Promise<Map<string, PreparedComponent<Kind>>> {
  const out = new Map<string, PreparedComponent<Kind>>();
  // One at a time: transpiling is CPU-bound and this machine has few cores.
  for (const component of app.components.values()) out.set(component.id, await prepareOne(app, component, opts));
  return out;
}
