#!/usr/bin/env node
// Builds the core-module guests (WAGI commands; Spin 1.x modules) with Debian's rustc for
// wasm32-wasi (no cargo, no crates): guest-examples/<name>/main.rs (a command) or lib.rs (a
// Spin 1.x HTTP module, a cdylib sharing guest-examples/spin1-abi) -> <name>/dist/<name>.wasm.
// They stay core modules: spin-ts adapts them at start, as Spin does. An output newer than
// its source and this script is skipped.
//
// Usage: node scripts/build-wasi-modules.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const RUSTC = '/usr/bin/rustc';
// Debian's rustc 1.63 names the preview1 target wasm32-wasi (wasm32-wasip1 came in 1.78).
const TARGET = 'wasm32-wasi';

/** The modules: name = folder under guest-examples/ = output file name. */
export const WASI_MODULES = ['wagi-echo', 'wagi-files', 'spin1-echo', 'spin1-outbound', 'spin1-kv', 'spin1-reactor'];

const SPIN1_ABI = join(ROOT, 'guest-examples', 'spin1-abi', 'abi.rs');

export function wasiModuleOutput(name) {
  return join(ROOT, 'guest-examples', name, 'dist', `${name}.wasm`);
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : -1;
}

function checkToolchain() {
  const sysroot = spawnSync(RUSTC, ['--print', 'sysroot'], { encoding: 'utf8' });
  if (sysroot.status !== 0) throw new Error(`${RUSTC} --print sysroot failed: ${sysroot.stderr ?? sysroot.error}`);
  const lib = join(sysroot.stdout.trim(), 'lib/rustlib', TARGET, 'lib');
  if (!existsSync(lib) || !readdirSync(lib).some((f) => /^libstd-.*\.rlib$/.test(f))) {
    throw new Error(`the ${TARGET} standard library for ${RUSTC} is missing (looked in ${lib}); install it with: apt-get install -y libstd-rust-dev-wasm32`);
  }
}

export function buildWasiModules({ force = false, log = (line) => console.log(line) } = {}) {
  let checked = false;
  for (const name of WASI_MODULES) {
    const lib = join(ROOT, 'guest-examples', name, 'lib.rs');
    const isLib = existsSync(lib);
    const src = isLib ? lib : join(ROOT, 'guest-examples', name, 'main.rs');
    const out = wasiModuleOutput(name);
    if (!force && mtime(out) > Math.max(mtime(src), mtime(SCRIPT), isLib ? mtime(SPIN1_ABI) : 0)) {
      log(`  ${name}: up to date`);
      continue;
    }
    if (!checked) checkToolchain();
    checked = true;
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    const t0 = performance.now();
    const crate = isLib ? ['--crate-type', 'cdylib', '--crate-name', name.replace(/-/g, '_')] : [];
    const r = spawnSync(RUSTC, ['--edition', '2021', '--target', TARGET, ...crate, '-O', '-C', 'debuginfo=0', '-C', 'strip=symbols', '-o', tmp, src], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`rustc ${relative(ROOT, src)} failed:\n${r.stderr}`);
    if (r.stderr.trim()) log(r.stderr.trimEnd());
    renameSync(tmp, out);
    log(`  ${name}: ${relative(ROOT, out)} ${(statSync(out).size / 1024).toFixed(1)} KiB ${((performance.now() - t0) / 1000).toFixed(2)}s`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    console.log('WASI core modules:');
    buildWasiModules({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`build-wasi-modules: ${err.message ?? err}`);
    process.exit(1);
  }
}
