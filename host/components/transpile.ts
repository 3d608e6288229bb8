/**
 * Turns a component .wasm into jco's instantiation-mode JS plus core modules, once:
 * the output is cached on disk under the wasm's sha256 and the transpiler's version,
 * so a second `up` starts without transpiling (3 s for a 12 MB componentize-js guest).
 *
 * jco is pinned to 1.15.4: 1.35's glue took 50–100 ms per instantiation and leaked
 * about 9.5 MB per instance; 1.15.4's takes 4–6 ms with flat memory (bench/ guards it).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentImportNames } from './component-imports.js';
import { exportState } from './state-exports.js';

// jco's package.json is not in its exports map: read it beside the resolved entry (src/api.js).
export const JCO_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@bytecodealliance/jco')), 'utf8')) as { version: string }
).version;

/**
 * Bumped when what we write beside jco's output changes (1: core modules export their
 * memories and mutable globals, state-exports.ts; 2: memory.size/grow virtualised, growable-memory.ts;
 * 3: release-candidate imports keep their version, and own drops of resources jco names no class
 * for release them), so an older cache entry is not reused.
 */
const CACHE_FORMAT = 3;

const RELEASE_CANDIDATE = /^(.+)@(\d+\.\d+\.\d+-rc-[0-9-]+)$/;

/**
 * jco names an import by its bare interface name when the component imports one version
 * of it, so the glue of a WASI release candidate would ask for `wasi:http/types` like a
 * 0.2 component, and the host could not give it the candidate's shapes. Map each such
 * import to its full name (`wasi:http/types@0.2.0-rc-2023-10-18`); host/wasi/index.ts
 * answers those names.
 */
export function releaseCandidateNames(binaryImports: readonly string[]): Record<string, string> {
  const versions = new Map<string, Set<string>>();
  for (const name of binaryImports) {
    const bare = name.replace(/@[^@/]*$/, '');
    versions.set(bare, (versions.get(bare) ?? new Set()).add(name));
  }
  const map: Record<string, string> = {};
  for (const name of binaryImports) {
    const m = RELEASE_CANDIDATE.exec(name);
    // Imported in two versions (a 10-18 module adapted with a 0.2 preview1 adapter), jco names
    // the import itself, and may ask one table for both (host/wasi/io.ts carries both's names).
    if (m && versions.get(m[1]!)!.size === 1) map[m[1]!] = name;
  }
  return map;
}

export interface TranspiledComponent {
  sha256: string;
  dir: string;
  /** Absolute path of the instantiation-mode JS module. */
  jsPath: string;
  /** Core module file names (relative to dir) in the order jco asks for them. */
  coreModules: string[];
  imports: string[];
  exports: string[];
  /** true when this call found the output in the cache. */
  cacheHit: boolean;
  transpileMs: number;
}

interface Meta {
  jco: string;
  coreModules: string[];
  imports: string[];
  exports: string[];
}

/**
 * jco's glue reads process.env.JCO_DEBUG on every host call to decide whether to log;
 * reading process.env crosses into C++ each time. Decide once, at load.
 */
function tuneGlue(js: string): string {
  return js.replace(
    /const _debugLog = \(\.\.\.args\) => \{\n\s*if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}/,
    'const _jcoDebug = !!globalThis?.process?.env?.JCO_DEBUG;\nconst _debugLog = (...args) => {\n  if (!_jcoDebug) { return; }',
  );
}

/**
 * jco lowers an empty string as pointer 1 without calling the guest's realloc; wasmtime calls
 * realloc for it like any string. WASI's preview1 adapter lays its environment out through
 * those realloc calls ("key=value\0"), so with jco's shortcut an empty value swallows the
 * next variable (AUTH_TYPE= became AUTH_TYPE=CONTENT_LENGTH=8). Adapted modules get the
 * glue without the shortcut.
 */
function reallocEmptyStrings(js: string): string {
  const shortcut = /\n\s*if \(s\.length === 0\) \{\n\s*utf8EncodedLen = 0;\n\s*return 1;\n\s*\}/;
  // Glue that passes no strings to the guest has no encoder to change.
  if (!/function utf8Encode\b/.test(js)) return js;
  if (!shortcut.test(js)) throw new Error("jco's utf8Encode changed: cannot make it call realloc for empty strings (transpile.ts reallocEmptyStrings)");
  return js.replace(shortcut, '');
}

/** The binary's import names; none where our reader cannot read them (jco then reports the binary's problem itself). */
function importNamesOf(wasm: Uint8Array): string[] {
  try {
    return componentImportNames(wasm);
  } catch {
    return [];
  }
}

/**
 * jco writes the guest's `[resource-drop]` of a host resource as a trap ("unreachable
 * trampoline for resource") when no imported function names the resource's class: a
 * component that drops the request its handler got, and never calls a method on it, trapped
 * on every request (Spin 2.0's test components do). Dropping an own handle releases the host
 * object, as the drop of any other host resource does: forget it, and call its
 * Symbol.dispose if it has one.
 */
function releaseUnnamedResources(js: string): string {
  return js.replace(/throw new TypeError\('unreachable trampoline for resource \[ResourceIndex\((\d+)\)\]'\)/g, (trap, n: string) => {
    if (!js.includes(`const captureTable${n}=`) && !js.includes(`const captureTable${n} =`)) return trap;
    if (!/\bconst symbolDispose\b/.test(js)) return trap;
    return `{ const rsc = captureTable${n}.get(handleEntry.rep); if (rsc) { if (rsc[symbolDispose]) rsc[symbolDispose](); captureTable${n}.delete(handleEntry.rep); } }`;
  });
}

export interface TranspileOptions {
  /** Lower empty strings through the guest's realloc, as wasmtime does (for WASI preview1 adapters). */
  reallocEmptyStrings?: boolean;
}

export async function transpileCached(wasmPath: string, cacheRoot: string, options: TranspileOptions = {}): Promise<TranspiledComponent> {
  const started = performance.now();
  const wasm = await readFile(wasmPath);
  const sha256 = createHash('sha256').update(wasm).digest('hex');
  const dir = join(cacheRoot, `jco-${JCO_VERSION}-f${CACHE_FORMAT}`, options.reallocEmptyStrings ? `${sha256}-realloc-empty` : sha256);
  const metaPath = join(dir, 'meta.json');
  try {
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Meta;
    if (meta.jco === JCO_VERSION) {
      return { sha256, dir, jsPath: join(dir, 'component.js'), ...meta, cacheHit: true, transpileMs: performance.now() - started };
    }
  } catch {
    // not cached yet
  }
  const { transpile } = await import('@bytecodealliance/jco');
  const out = await transpile(wasm, {
    name: 'component',
    instantiation: 'sync',
    noTypescript: true,
    typescript: false,
    validLiftingOptimization: false,
    map: releaseCandidateNames(importNamesOf(wasm)),
  } as Parameters<typeof transpile>[1]);
  // Write into a temporary dir, then rename: a crash never leaves a half-written cache entry.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const coreModules: string[] = [];
  for (const [name, bytes] of Object.entries(out.files as Record<string, Uint8Array>)) {
    if (name.endsWith('.d.ts')) continue;
    if (name.endsWith('.wasm')) coreModules.push(name);
    let data: string | Uint8Array = bytes;
    if (name.endsWith('.js')) {
      data = releaseUnnamedResources(tuneGlue(Buffer.from(bytes).toString('utf8')));
      if (options.reallocEmptyStrings) data = reallocEmptyStrings(data);
    } else if (name.endsWith('.wasm')) {
      data = exportState(bytes);
    }
    await writeFile(join(tmp, name), data);
  }
  const meta: Meta = { jco: JCO_VERSION, coreModules, imports: out.imports, exports: (out.exports as Array<[string, string]>).map(([name]) => name) };
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { sha256, dir, jsPath: join(dir, 'component.js'), ...meta, cacheHit: false, transpileMs: performance.now() - started };
}
