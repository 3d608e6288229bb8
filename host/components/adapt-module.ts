/**
 * Turns a WASI preview1 command module into a component exporting wasi:cli/run, as Spin
 * does for WAGI modules: jco's componentNew with its preview1 command adapter, which
 * translates every preview1 call into WASI 0.2 (ours: the same stdio, environment and
 * preopened `files` as any component). The result is cached under the module's sha256
 * and the adapter's, beside the transpile cache.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMAND_ADAPTER = fileURLToPath(new URL('../lib/wasi_snapshot_preview1.command.wasm', import.meta.resolve('@bytecodealliance/jco')));

export interface AdaptedModule {
  /** Path of the component .wasm. */
  path: string;
  cacheHit: boolean;
  adaptMs: number;
}

export async function adaptCommandModule(module: Uint8Array, cacheRoot: string): Promise<AdaptedModule> {
  const started = performance.now();
  const adapter = await readFile(COMMAND_ADAPTER);
  const sha = createHash('sha256').update(module).update(adapter).digest('hex');
  const dir = join(cacheRoot, 'adapted');
  const path = join(dir, `${sha}.wasm`);
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return { path, cacheHit: true, adaptMs: performance.now() - started };
  const { componentNew } = await import('@bytecodealliance/jco');
  const component = await componentNew(module, [['wasi_snapshot_preview1', adapter]]);
  await mkdir(dir, { recursive: true });
  // Write beside, then rename: a crash never leaves a half-written entry.
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, component);
  await rename(tmp, path);
  return { path, cacheHit: false, adaptMs: performance.now() - started };
}
