/** Prepares every component of an app once, before anything listens: transpile (cached), detect its trigger, compile its core modules. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App, Component } from '../app/types.js';
import { ComponentError } from './component-error.js';
import { checkImports } from './imports.js';
import { capMemory } from './memory-cap.js';
import { transpileCached } from './transpile.js';
import { wasmKindOfFile } from './wasm-kind.js';

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
  /** The trigger's check of a component's exports: which of its interfaces it serves (throws ComponentError when none). */
  detectKind: (componentId: string, exports: string[]) => Kind;
  /** Cap on each instance's linear memory, in bytes. */
  guestMemoryBytes: number;
  /** The interfaces the host provides (WASI and every factor's); importing anything else is refused. */
  provided: ReadonlySet<string>;
  log: (line: string) => void;
}

async function prepareOne<Kind extends string>(component: Component, opts: PrepareOptions<Kind>): Promise<PreparedComponent<Kind>> {
  const kind0 = await wasmKindOfFile(component.source);
  if (kind0 === 'core-module') {
    throw new ComponentError(
      component.id,
      `${component.sourceAsWritten} is a WebAssembly core module (a Spin 1.x app or a WASI preview1 program), not a component. spin-ts runs components: rebuild it with a Spin 2 or later SDK (e.g. \`spin build\` with a current template), which produces a component.`,
    );
  }
  if (kind0 === 'not-wasm') {
    throw new ComponentError(component.id, `${component.sourceAsWritten} is not a valid WebAssembly component: it is not WebAssembly at all (its first bytes are not \`\\0asm\`). Point source at the component's .wasm.`);
  }
  let transpiled;
  try {
    transpiled = await transpileCached(component.source, opts.cacheDir);
  } catch (err) {
    throw new ComponentError(component.id, `${component.sourceAsWritten} is not a valid WebAssembly component: ${(err as Error).message}`);
  }
  const kind = opts.detectKind(component.id, transpiled.exports);
  checkImports(component.id, transpiled.imports, opts.provided);
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
    `component ${component.id}: ${kind}, ${transpiled.cacheHit ? 'transpile cache hit' : `transpiled in ${transpiled.transpileMs.toFixed(0)} ms`}, compiled in ${compileMs.toFixed(0)} ms`,
  );
  return {
    component,
    kind,
    jsUrl: pathToFileURL(transpiled.jsPath).href,
    modules,
    cacheHit: transpiled.cacheHit,
    transpileMs: transpiled.transpileMs,
    compileMs,
  };
}

export async function prepareComponents<Kind extends string>(app: App, opts: PrepareOptions<Kind>): Promise<Map<string, PreparedComponent<Kind>>> {
  const out = new Map<string, PreparedComponent<Kind>>();
  // One at a time: transpiling is CPU-bound and this machine has few cores.
  for (const component of app.components.values()) out.set(component.id, await prepareOne(component, opts));
  return out;
}
