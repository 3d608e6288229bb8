#!/usr/bin/env node
// Builds guest-examples/python-sdk, the app written with Spin's Python SDK, as a Spin user
// does: a virtual environment in the app's folder (.venv, git-ignored) holding the pinned
// requirements.txt (spin-sdk, componentize-py, from PyPI), then `spin-ts build` on its
// spin.toml, whose build command runs componentize-py in that environment.
//
//   node scripts/build-python-guests.mjs [--force]
//
// The venv is remade when requirements.txt is newer than it; the component is rebuilt when
// app.py, requirements.txt or spin.toml is newer than it. pip runs with --no-cache-dir:
// nothing is cached outside the repository.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
export const PYTHON_SDK_DIR = join(ROOT, 'guest-examples', 'python-sdk');
export const PYTHON_SDK_WASM = join(PYTHON_SDK_DIR, 'dist', 'python-sdk.wasm');
const VENV = join(PYTHON_SDK_DIR, '.venv');
/** Written once pip has installed requirements.txt into the venv. */
const INSTALLED = join(VENV, '.spin-ts-installed');
const INPUTS = ['app.py', 'requirements.txt', 'spin.toml'];
export const PYTHON_HINT = 'apt-get install -y python3 python3-venv';

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${output.split('\n').slice(-40).join('\n')}`);
  return output;
}

/** The Python to make the venv with: $SPIN_TS_PYTHON, else python3 on PATH; undefined when it has no venv module. */
export function findPython() {
  const python = process.env.SPIN_TS_PYTHON ?? 'python3';
  const r = spawnSync(python, ['-c', 'import venv, ensurepip, sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  return r.status === 0 ? { python, version: r.stdout.trim() } : undefined;
}

/** Makes the venv and installs requirements.txt unless that is done and current; returns the ms it took, or undefined when current. */
function ensureVenv(python, force) {
  if (!force && mtime(INSTALLED) > mtime(join(PYTHON_SDK_DIR, 'requirements.txt'))) return undefined;
  const started = Date.now();
  rmSync(VENV, { recursive: true, force: true });
  run(python, ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), ['install', '--no-cache-dir', '--disable-pip-version-check', '-q', '-r', join(PYTHON_SDK_DIR, 'requirements.txt')]);
  writeFileSync(INSTALLED, `${new Date().toISOString()}\n`);
  return Date.now() - started;
}

/**
 * Builds the app unless its component is current. Returns {skipped} or {bytes, ms, installMs};
 * throws with the tool's output when a step fails.
 */
export function buildPythonSdkApp({ force = false } = {}) {
  const found = findPython();
  if (!found) throw new Error(`no python3 with the venv module (set SPIN_TS_PYTHON, or ${PYTHON_HINT})`);
  const installMs = ensureVenv(found.python, force);
  const inputs = Math.max(mtime(INSTALLED), ...INPUTS.map((f) => mtime(join(PYTHON_SDK_DIR, f))));
  if (!force && mtime(PYTHON_SDK_WASM) > inputs) return { skipped: true };
  rmSync(PYTHON_SDK_WASM, { force: true });
  mkdirSync(dirname(PYTHON_SDK_WASM), { recursive: true });
  const started = Date.now();
  // `spin-ts build` runs the manifest's build command, as `spin build` would.
  run(process.execPath, [join(ROOT, 'bin', 'spin-ts.js'), 'build', '-f', join(PYTHON_SDK_DIR, 'spin.toml')], { cwd: ROOT });
  const ms = Date.now() - started;
  const st = statSync(PYTHON_SDK_WASM, { throwIfNoEntry: false });
  if (!st) throw new Error(`spin-ts build exited 0 but wrote no ${relative(ROOT, PYTHON_SDK_WASM)}`);
  return { skipped: false, bytes: st.size, ms, installMs, python: found.version };
}

export function summary(r) {
  if (r.skipped) return 'python-sdk: up to date';
  const install = r.installMs === undefined ? '' : `, after venv + pip install in ${r.installMs} ms`;
  return `python-sdk: built (${(r.bytes / 1e6).toFixed(1)} MB, componentize-py ${r.ms} ms${install}; Python ${r.python})`;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    console.log(summary(buildPythonSdkApp({ force: process.argv.includes('--force') })));
  } catch (err) {
    console.error(`python-sdk: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}
