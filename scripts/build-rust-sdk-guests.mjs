#!/usr/bin/env node
// Builds the apps written with the official `spin-sdk` crate (guest-examples/rust-sdk-*),
// with Debian's Rust 1.96 (`rustc-web`, `cargo-web`, `rust-web-src`) and LLVM 22's wasm-ld.
//
// Debian ships no wasm std for rustc-web, so std is built from rust-web-src with cargo's
// -Zbuild-std (RUSTC_BOOTSTRAP=1), for wasm32-wasip1 against Debian's wasi-libc. (Not
// wasm32-unknown-unknown: spin-sdk's chrono then links wasm-bindgen, whose imports no
// component can satisfy.) The core module becomes a component with jco's componentNew and
// the WASI preview1 reactor adapter jco ships; wit-bindgen embeds the world. rustc-web cannot be
// installed beside Debian's rustc 1.63 (which builds the other Rust guests: installing one
// removes the other), so its packages are fetched with `apt-get download` at pinned versions
// and unpacked into guest-examples/.rust-web (git-ignored); nothing is installed system-wide
// except libllvm22, which rustc's driver and lld link against. Crates come from crates.io at
// the versions in each app's Cargo.lock (--locked), into a CARGO_HOME inside the same folder.
// rust-sdk-p3 is on spin-sdk 7.0.0 (WASIp3, through the wasip3 crate): the same toolchain and
// target build it; its component is made with jco-transpile's newer wasm-tools, which knows
// the async ABI.
//
//   node scripts/build-rust-sdk-guests.mjs [--force]
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const TOOLCHAIN = join(ROOT, 'guest-examples', '.rust-web');
const SYSROOT = join(TOOLCHAIN, 'root', 'usr');
const TARGET = 'wasm32-wasip1';
const ADAPTER = fileURLToPath(new URL('../node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.reactor.wasm', import.meta.url));

/** Debian bookworm's packages, at the versions this was built and measured with. */
export const DEBIAN_PACKAGES = [
  'rustc-web=1.96.0+dfsg1-1~deb12u2',
  'cargo-web=1.96.0+dfsg1-1~deb12u2',
  'libstd-rust-web-1.96=1.96.0+dfsg1-1~deb12u2',
  'libstd-rust-web-dev=1.96.0+dfsg1-1~deb12u2',
  'rust-web-src=1.96.0+dfsg1-1~deb12u2',
  'lld-22=1:22.1.8-1~deb12u1',
  'wasi-libc=0.0~git20220510.9886d3d-2',
];
export const APT_HINT = 'apt-get install -y libllvm22 (and apt-get download must reach Debian)';

/** The apps: name = folder under guest-examples/ = crate name = output file name. */
export const RUST_SDK_GUESTS = ['rust-sdk-http', 'rust-sdk-p3'];
/** One target directory for every app: std, built from source by -Zbuild-std with the same
 * profile for each, is then compiled once instead of once per app (about a third of a cold build). */
const TARGET_DIR = join(ROOT, 'guest-examples', '.rust-sdk-target');
/** Apps on spin-sdk 6+/7 (WASIp3: async exports, streams): their world needs a wasm-tools that knows the async ABI, jco-transpile's. */
const P3_GUESTS = new Set(['rust-sdk-p3']);

export function rustSdkGuestOutput(name) {
  return join(ROOT, 'guest-examples', name, 'dist', `${name}.wasm`);
}

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${output.split('\n').slice(-40).join('\n')}`);
  return output;
}

/** Whether this machine can fetch the toolchain: apt-get and dpkg-deb on PATH. */
export function canFetchToolchain() {
  return ['apt-get', 'dpkg-deb'].every((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0);
}

/** Whether libLLVM 22 (Debian's libllvm22, which rustc-web and lld-22 link against) is installed. */
export function hasLibLlvm() {
  const lib = '/usr/lib/x86_64-linux-gnu';
  return existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('libLLVM.so.22'));
}

const STAMP = join(TOOLCHAIN, 'packages.txt');

/** Downloads and unpacks the pinned packages unless the folder already holds them; returns the ms it took, or undefined. */
function ensureToolchain() {
  const wanted = `${DEBIAN_PACKAGES.join('\n')}\n`;
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === wanted) return undefined;
  const started = Date.now();
  rmSync(TOOLCHAIN, { recursive: true, force: true });
  const debs = join(TOOLCHAIN, 'debs');
  mkdirSync(debs, { recursive: true });
  run('apt-get', ['download', ...DEBIAN_PACKAGES], { cwd: debs });
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) run('dpkg-deb', ['-x', join(debs, deb), join(TOOLCHAIN, 'root')]);
  rmSync(debs, { recursive: true, force: true });
  // cargo runs rustc for host crates (proc macros, build scripts) and wasm ones alike: one
  // wrapper gives every call the unpacked sysroot, not Debian's /usr one.
  const bin = join(TOOLCHAIN, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'rustc'), `#!/bin/sh\nexec "${join(SYSROOT, 'bin', 'rustc')}" --sysroot "${SYSROOT}" "$@"\n`);
  chmodSync(join(bin, 'rustc'), 0o755);
  writeFileSync(STAMP, wanted);
  return Date.now() - started;
}

function cargoEnv() {
  return {
    ...process.env,
    LD_LIBRARY_PATH: [join(SYSROOT, 'lib', 'x86_64-linux-gnu'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    RUSTC: join(TOOLCHAIN, 'bin', 'rustc'),
    RUSTC_BOOTSTRAP: '1',
    CARGO_HOME: join(TOOLCHAIN, 'cargo-home'),
    CARGO_TARGET_WASM32_WASIP1_LINKER: join(SYSROOT, 'lib', 'llvm-22', 'bin', 'wasm-ld'),
    // Debian's wasi-libc, not a self-contained one rustc-web does not ship.
    CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS: `-C link-self-contained=no -L native=${join(SYSROOT, 'lib', 'wasm32-wasi')}`,
  };
}

async function componentize(core, p3) {
  let tools;
  try {
    tools = p3 ? await import('@bytecodealliance/jco-transpile/wasm-tools') : await import('@bytecodealliance/jco');
  } catch (err) {
    throw new Error(`cannot load ${p3 ? '@bytecodealliance/jco-transpile' : '@bytecodealliance/jco'} (run npm install): ${err.message}`);
  }
  return tools.componentNew(readFileSync(core), [['wasi_snapshot_preview1', readFileSync(ADAPTER)]]);
}

/** Builds each stale app. Returns one record per app; throws with the tool's output on failure. */
export async function buildRustSdkGuests({ force = false, log = (line) => console.log(line) } = {}) {
  const results = [];
  let toolchainMs;
  let ready = false;
  for (const name of RUST_SDK_GUESTS) {
    const dir = join(ROOT, 'guest-examples', name);
    const out = rustSdkGuestOutput(name);
    const inputs = Math.max(newestMtime(join(dir, 'src')), mtime(join(dir, 'Cargo.toml')), mtime(join(dir, 'Cargo.lock')), mtime(SCRIPT));
    if (!force && mtime(out) > inputs) {
      log(`  ${name}: up to date`);
      continue;
    }
    if (!ready) {
      toolchainMs = ensureToolchain();
      if (toolchainMs !== undefined) log(`  Debian Rust 1.96 and lld 22 fetched into ${relative(ROOT, TOOLCHAIN)} in ${toolchainMs} ms`);
      ready = true;
    }
    const started = Date.now();
    run(
      join(SYSROOT, 'bin', 'cargo'),
      [
        'build',
        '--locked',
        '--release',
        '--target',
        TARGET,
        '--target-dir',
        TARGET_DIR,
        '-Zbuild-std=std,panic_abort',
        '--manifest-path',
        join(dir, 'Cargo.toml'),
      ],
      { cwd: dir, env: cargoEnv() },
    );
    const cargoMs = Date.now() - started;
    const core = join(TARGET_DIR, TARGET, 'release', `${name.replace(/-/g, '_')}.wasm`);
    const component = await componentize(core, P3_GUESTS.has(name));
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    writeFileSync(tmp, component);
    renameSync(tmp, out);
    log(`  ${name}: ${relative(ROOT, out)} ${(component.length / 1024).toFixed(1)} KiB, cargo ${cargoMs} ms, component ${Date.now() - started - cargoMs} ms`);
    results.push({ name, bytes: component.length, cargoMs, toolchainMs });
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    console.log('Rust spin-sdk guests:');
    await buildRustSdkGuests({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`build-rust-sdk-guests: ${err.message ?? err}`);
    process.exit(1);
  }
}
