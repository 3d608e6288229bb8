/**
 * Transpiles a WASIp3 component (one exporting wasi:http/handler@0.3.x) with jco 1.35's
 * bindgen (@bytecodealliance/jco-transpile 0.15.0): the pinned jco 1.15 cannot read the
 * async ABI. Cached on disk like transpile.ts, under its own key. The glue is rewritten for
 * Node 20 (glue-p3.ts); core modules are left as they are, since p3 instances are never
 * snapshotted (docs/wasip3.md says why).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { TranspiledComponent } from '../transpile.js';
import { needsJspi, patchP3Glue, threadBuiltinOf } from './glue-p3.js';

export const JCO_TRANSPILE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@bytecodealliance/jco-transpile')), 'utf8')) as { version: string }
).version;

// componentize-py's libpython uses extended-const globals, behind a flag on Node 20's V8
// (11.3). Set on the main thread, where modules are compiled; workers inherit it.
setFlagsFromString('--experimental-wasm-extended-const');

/** Bumped when what glue-p3.ts writes changes. */
const CACHE_FORMAT = 1;

/** A component spin-ts cannot run on Node 20: `reasons` name each export or built-in. */
export class NeedsJspiError extends Error {
  constructor(readonly reasons: string[]) {
    super(
      `${reasons.join('; ')}. Node 20 has no JSPI (stack switching), so spin-ts serves WASIp3 components whose async exports are lifted with a callback and that use no thread built-ins, which is what the Spin SDKs build`,
    );
    this.name = 'NeedsJspiError';
  }
}

interface Meta {
  bindgen: string;
  coreModules: string[];
  imports: string[];
  exports: string[];
}

export async function transpileP3Cached(wasmPath: string, cacheRoot: string): Promise<TranspiledComponent> {
  const started = performance.now();
  const wasm = await readFile(wasmPath);
  const sha256 = createHash('sha256').update(wasm).digest('hex');
  const dir = join(cacheRoot, `jco-transpile-${JCO_TRANSPILE_VERSION}-p${CACHE_FORMAT}`, sha256);
  const metaPath = join(dir, 'meta.json');
  try {
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Meta;
    if (meta.bindgen === JCO_TRANSPILE_VERSION) {
      return { sha256, dir, jsPath: join(dir, 'component.js'), ...meta, cacheHit: true, transpileMs: performance.now() - started };
    }
  } catch {
    // not cached yet
  }
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  let out;
  try {
    out = await transpileBytes(wasm, { name: 'component', instantiation: 'sync', emitTypescriptDeclarations: false, validLiftingOptimization: false });
  } catch (err) {
    const builtin = threadBuiltinOf(String((err as Error).message ?? err));
    if (builtin) throw new NeedsJspiError([`it uses the built-in ${builtin} (cooperative threads), which needs JSPI and which jco does not implement yet`]);
    throw err;
  }
  const glue = Buffer.from(out.files['component.js']!).toString('utf8');
  const reasons = needsJspi(glue);
  if (reasons.length > 0) throw new NeedsJspiError(reasons);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const coreModules: string[] = [];
  for (const [name, bytes] of Object.entries(out.files)) {
    if (name.endsWith('.d.ts')) continue;
    if (name.endsWith('.wasm')) coreModules.push(name);
    await writeFile(join(tmp, name), name === 'component.js' ? patchP3Glue(glue) : bytes);
  }
  const meta: Meta = { bindgen: JCO_TRANSPILE_VERSION, coreModules, imports: out.imports, exports: out.exports.map(([name]) => name) };
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { sha256, dir, jsPath: join(dir, 'component.js'), ...meta, cacheHit: false, transpileMs: performance.now() - started };
}
