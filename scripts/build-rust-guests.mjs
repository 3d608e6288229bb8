#!/usr/bin/env node
// Builds the Rust guest components (guest-examples/rust-*) with Debian's
// rustc (no cargo, no crates.io) and jco's in-process wasm-tools:
//
//   1. rustc: the SDK crate guest-examples/rust -> target/libspin_ts_sdk.rlib
//   2. rustc: each guest -> a core wasm module (wasm32-unknown-unknown)
//   3. jco componentEmbed (world spin-ts:examples/inbound-http) + componentNew
//      -> <guest>/dist/<name>.wasm
//
// A guest whose output is newer than all its inputs (its sources, the SDK,
// wit/ and this script) is skipped.
//
// Usage: node scripts/build-rust-guests.mjs [--force] [guest-name ...]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const RUSTC = '/usr/bin/rustc';
const TARGET = 'wasm32-unknown-unknown';
const WIT_DIR = join(ROOT, 'wit');
const WORLD = 'spin-ts:examples/inbound-http';
const SDK_DIR = join(ROOT, 'guest-examples/rust');
const WORK_DIR = join(SDK_DIR, 'target');
const SDK_RLIB = join(WORK_DIR, 'libspin_ts_sdk.rlib');
const APT_HINT = 'apt-get update && apt-get install -y rustc libstd-rust-dev-wasm32';

/** The guests: name (also the output file name) and crate directory. */
export const RUST_GUESTS = [
  { name: 'rust-hello', dir: 'guest-examples/rust-hello' },
  // Test-only: reports the state a request finds (test/rust-instance-pool.test.ts).
  { name: 'rust-state', dir: 'guest-examples/rust-state' },
  { name: 'rust-llm', dir: 'guest-examples/rust-llm' },
  { name: 'rust-trap', dir: 'guest-examples/rust-trap' },
  { name: 'rust-sqlite', dir: 'guest-examples/rust-sqlite', world: 'spin-ts:examples/inbound-http-v1-sqlite' },
  { name: 'rust-kv', dir: 'guest-examples/rust-kv', world: 'spin-ts:examples/inbound-http-v1-kv' },
  { name: 'rust-outbound', dir: 'guest-examples/rust-outbound', world: 'spin-ts:examples/inbound-http-v1-outbound' },
  // Test-only: reports what crossed the ABI (test/rust-abi.test.ts).
  { name: 'rust-abi-probe', dir: 'guest-examples/rust/abi-probe' },
];

/** Where a guest's component is written. */
export function rustGuestOutput(guest) {
  return join(ROOT, guest.dir, 'dist', `${guest.name}.wasm`);
}

class BuildError extends Error {}

function checkToolchain() {
  if (!existsSync(RUSTC)) {
    throw new BuildError(
      `${RUSTC} not found. The Rust guests are built with Debian's rustc (1.63, no cargo); ` +
        `install it with:\n  ${APT_HINT}\n` +
        '(A rustup toolchain elsewhere on PATH is not used.)',
    );
  }
  const sysroot = spawnSync(RUSTC, ['--print', 'sysroot'], { encoding: 'utf8' });
  if (sysroot.status !== 0) {
    throw new BuildError(`${RUSTC} --print sysroot failed:\n${sysroot.stderr}`);
  }
  const libDir = join(sysroot.stdout.trim(), 'lib/rustlib', TARGET, 'lib');
  const hasStd = existsSync(libDir) && readdirSync(libDir).some((f) => /^libstd-.*\.rlib$/.test(f));
  if (!hasStd) {
    throw new BuildError(`The ${TARGET} standard library for ${RUSTC} is missing (looked in ${libDir}); ` + `install it with:\n  ${APT_HINT}`);
  }
}

/** Newest mtime (ms) of the files under `path` (recursively) that match `filter`. */
function newestMtime(path, filter = () => true) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return filter(path) ? st.mtimeMs : 0;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'target' || entry === 'dist' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry), filter));
  }
  return newest;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : -1;
}

const isRust = (p) => p.endsWith('.rs');

function runRustc(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(RUSTC, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => reject(new BuildError(`cannot run ${RUSTC}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else reject(new BuildError(`rustc ${args.join(' ')}\nexited with ${code}:\n${output}`));
    });
  });
}

const COMMON_FLAGS = ['--edition', '2021', '--target', TARGET, '-O', '-C', 'debuginfo=0'];

function crateName(guest) {
  return guest.name.replace(/-/g, '_');
}

/** Writes `bytes` to `path` via a temporary file, so a half-written file never looks fresh. */
function writeAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

function formatSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Builds the Rust guests. Returns one record per guest; throws on failure.
 * @param {{ force?: boolean, only?: string[], log?: (line: string) => void }} [options]
 */
export async function buildRustGuests(options = {}) {
  const { force = false, only = [], log = (line) => console.log(line) } = options;
  for (const name of only) {
    if (!RUST_GUESTS.some((g) => g.name === name)) {
      throw new BuildError(`unknown Rust guest ${name} (known: ${RUST_GUESTS.map((g) => g.name).join(', ')})`);
    }
  }
  const guests = only.length ? RUST_GUESTS.filter((g) => only.includes(g.name)) : RUST_GUESTS;

  const scriptMtime = mtime(SCRIPT);
  const sdkSrcMtime = Math.max(newestMtime(join(SDK_DIR, 'src'), isRust), scriptMtime);
  const witMtime = newestMtime(WIT_DIR, (p) => p.endsWith('.wit'));

  const stale = guests.filter((g) => {
    if (force) return true;
    const inputs = Math.max(newestMtime(join(ROOT, g.dir, 'src'), isRust), sdkSrcMtime, witMtime);
    return mtime(rustGuestOutput(g)) <= inputs;
  });

  const results = [];
  const width = Math.max(...guests.map((g) => g.name.length));
  if (stale.length) {
    checkToolchain();
    mkdirSync(WORK_DIR, { recursive: true });

    // 1. The SDK rlib.
    if (force || mtime(SDK_RLIB) <= sdkSrcMtime) {
      const t0 = performance.now();
      const warnings = await runRustc([...COMMON_FLAGS, '--crate-type', 'rlib', '--crate-name', 'spin_ts_sdk', '-o', SDK_RLIB, join(SDK_DIR, 'src/lib.rs')]);
      if (warnings.trim()) log(warnings.trimEnd());
      log(
        `  ${'spin_ts_sdk'.padEnd(width)}  ${relative(ROOT, SDK_RLIB)}  ${formatSize(statSync(SDK_RLIB).size)}  ${((performance.now() - t0) / 1000).toFixed(2)}s`,
      );
    }

    // 2. The core modules, compiled in parallel.
    const compiled = await Promise.all(
      stale.map(async (g) => {
        const t0 = performance.now();
        const core = join(WORK_DIR, `${g.name}.core.wasm`);
        const warnings = await runRustc([
          ...COMMON_FLAGS,
          '--crate-type',
          'cdylib',
          '--crate-name',
          crateName(g),
          '-C',
          'strip=symbols',
          '--extern',
          `spin_ts_sdk=${SDK_RLIB}`,
          '-L',
          `dependency=${WORK_DIR}`,
          '-o',
          core,
          join(ROOT, g.dir, 'src/lib.rs'),
        ]);
        return { guest: g, core, warnings, rustcMs: performance.now() - t0 };
      }),
    );

    // 3. Core module -> component.
    let jco;
    try {
      jco = await import('@bytecodealliance/jco');
    } catch (err) {
      throw new BuildError(`cannot load @bytecodealliance/jco (run npm install): ${err.message}`);
    }
    for (const c of compiled) {
      const t0 = performance.now();
      let component;
      try {
        const embedded = await jco.componentEmbed({
          binary: readFileSync(c.core),
          witPath: WIT_DIR,
          world: c.guest.world ?? WORLD,
        });
        component = await jco.componentNew(embedded, undefined);
      } catch (err) {
        throw new BuildError(
          `componentizing ${c.guest.name} (world ${c.guest.world ?? WORLD}, wit ${WIT_DIR}) failed: ${err?.message ?? err}\n` +
            '(If wit/ cannot be read: @bytecodealliance/preview2-shim >= 0.26 starts with no preopened folders.)',
        );
      }
      const out = rustGuestOutput(c.guest);
      writeAtomic(out, component);
      const seconds = (c.rustcMs + performance.now() - t0) / 1000;
      if (c.warnings.trim()) log(c.warnings.trimEnd());
      results.push({ name: c.guest.name, path: out, bytes: component.length, seconds, built: true });
    }
  }

  // One line per guest, in declaration order.
  const lines = [];
  for (const g of guests) {
    const out = rustGuestOutput(g);
    const r = results.find((x) => x.name === g.name) ?? {
      name: g.name,
      path: out,
      bytes: statSync(out).size,
      seconds: 0,
      built: false,
    };
    if (!r.built) results.push(r);
    lines.push(`  ${g.name.padEnd(width)}  ${relative(ROOT, out)}  ${formatSize(r.bytes)}  ${r.built ? `${r.seconds.toFixed(2)}s` : 'up to date'}`);
  }
  for (const line of lines) log(line);
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const only = args.filter((a) => !a.startsWith('--'));
  const t0 = performance.now();
  try {
    console.log('Rust guests:');
    await buildRustGuests({ force, only });
    console.log(`Rust guests done in ${((performance.now() - t0) / 1000).toFixed(2)}s`);
  } catch (err) {
    console.error(`build-rust-guests: ${err instanceof BuildError ? err.message : (err?.stack ?? err)}`);
    process.exit(1);
  }
}
