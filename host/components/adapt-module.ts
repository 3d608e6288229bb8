/**
 * Turns a WASI preview1 core module into a component, as Spin does when it loads one:
 * jco's componentNew with one of jco's preview1 adapters, which translates every preview1
 * call into WASI 0.2 (ours: the same stdio, environment and preopened `files` as any
 * component). A WAGI command gets the command adapter and exports wasi:cli/run; a Spin 1.x
 * HTTP module is first rewritten onto the unversioned fermyon:spin interfaces
 * (spin1-module.ts) and gets the reactor adapter; a module that already carries its world
 * (wit-bindgen ≥ 0.5) gets the reactor adapter alone. The result is cached under the
 * module's sha256 and the adapter's, beside the transpile cache.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { retargetSpin1Module, SPIN1_WORLD } from './spin1-module.js';

const ADAPTERS = {
  command: fileURLToPath(new URL('../lib/wasi_snapshot_preview1.command.wasm', import.meta.resolve('@bytecodealliance/jco'))),
  reactor: fileURLToPath(new URL('../lib/wasi_snapshot_preview1.reactor.wasm', import.meta.resolve('@bytecodealliance/jco'))),
};
/** wit/ at the repository root: holds the world embedded in Spin 1.x modules. */
const WIT_DIR = fileURLToPath(new URL('../../../wit', import.meta.url));
/** Bump when the rewriting changes, so cached components are rebuilt. */
const REWRITE_VERSION = 'spin1-1';

/** How a core module becomes a component. */
export type ModuleAdaptation = 'wagi-command' | 'spin1-http' | 'bindgen-reactor';

export interface AdaptedModule {
  /** Path of the component .wasm. */
  path: string;
  cacheHit: boolean;
  adaptMs: number;
}

export async function adaptModule(module: Uint8Array, how: ModuleAdaptation, cacheRoot: string): Promise<AdaptedModule> {
  const started = performance.now();
  const adapter = await readFile(how === 'wagi-command' ? ADAPTERS.command : ADAPTERS.reactor);
  const hash = createHash('sha256').update(module).update(adapter);
  if (how === 'spin1-http') hash.update(REWRITE_VERSION).update(await readFile(join(WIT_DIR, 'deps', 'spin', 'spin.wit')));
  const sha = hash.digest('hex');
  const dir = join(cacheRoot, 'adapted');
  const path = join(dir, `${sha}.wasm`);
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return { path, cacheHit: true, adaptMs: performance.now() - started };
  const jco = await import('@bytecodealliance/jco');
  let core = module;
  if (how === 'spin1-http') core = await jco.componentEmbed({ binary: retargetSpin1Module(module), witPath: WIT_DIR, world: SPIN1_WORLD });
  const component = await jco.componentNew(core, [['wasi_snapshot_preview1', adapter]]);
  await mkdir(dir, { recursive: true });
  // Write beside, then rename: a crash never leaves a half-written entry.
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, component);
  await rename(tmp, path);
  return { path, cacheHit: false, adaptMs: performance.now() - started };
}
