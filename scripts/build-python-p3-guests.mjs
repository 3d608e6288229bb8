#!/usr/bin/env node
// Builds guest-examples/python-sdk-p3, a WASIp3 app on Spin's current Python SDK (spin-sdk
// 5.0.0, componentize-py 0.25.1: it exports wasi:http/handler@0.3.0), as a Spin user does:
// a venv in the app's folder (.venv, git-ignored) holding the pinned requirements.txt from
// PyPI, then `spin-ts build` on its spin.toml, whose build command runs componentize-py.
//
//   node scripts/build-python-p3-guests.mjs [--force]
//
// The venv is remade when requirements.txt is newer than it; the component is rebuilt when
// app.py, requirements.txt or spin.toml is newer than it. pip runs with --no-cache-dir.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, PYTHON_HINT } from './build-python-guests.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
export const PYTHON_P3_DIR = join(ROOT, 'guest-examples', 'python-sdk-p3');
export const PYTHON_P3_WASM = join(PYTHON_P3_DIR, 'dist', 'python-sdk-p3.wasm');
const VENV = join(PYTHON_P3_DIR, '.venv');
const INSTALLED = join(VENV, '.spin-ts-installed');
const INPUTS = ['app.py', 'requirements.txt', 'spin.toml'];

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${output.split('\n').slice(-40).join('\n')}`);
  return output;
}

function ensureVenv(python, force) {
  if (!force && mtime(INSTALLED) > mtime(join(PYTHON_P3_DIR, 'requirements.txt'))) return undefined;
  const started = Date.now();
  rmSync(VENV, { recursive: true, force: true });
  run(python, ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), ['install', '--no-cache-dir', '--disable-pip-version-check', '-q', '-r', join(PYTHON_P3_DIR, 'requirements.txt')]);
  writeFileSync(INSTALLED, `${new Date().toISOString()}\n`);
  return Date.now() - started;
}

/** Builds the app unless its component is current: {skipped} or {bytes, ms, installMs, python}. */
export function buildPythonSdkP3App({ force = false } = {}) {
  const found = findPython();
  if (!found) throw new Error(`no python3 with the venv module (set SPIN_TS_PYTHON, or ${PYTHON_HINT})`);
  const installMs = ensureVenv(found.python, force);
  const inputs = Math.max(mtime(INSTALLED), ...INPUTS.map((f) => mtime(join(PYTHON_P3_DIR, f))));
  if (!force && mtime(PYTHON_P3_WASM) > inputs) return { skipped: true };
  rmSync(PYTHON_P3_WASM, { force: true });
  mkdirSync(dirname(PYTHON_P3_WASM), { recursive: true });
  const started = Date.now();
  run(process.execPath, [join(ROOT, 'bin', 'spin-ts.js'), 'build', '-f', join(PYTHON_P3_DIR, 'spin.toml')], { cwd: ROOT });
  const ms = Date.now() - started;
  const st = statSync(PYTHON_P3_WASM, { throwIfNoEntry: false });
  if (!st) throw new Error(`spin-ts build exited 0 but wrote no ${relative(ROOT, PYTHON_P3_WASM)}`);
  return { skipped: false, bytes: st.size, ms, installMs, python: found.version };
}

export function summary(r) {
  if (r.skipped) return 'python-sdk-p3: up to date';
  const install = r.installMs === undefined ? '' : `, after venv + pip install in ${r.installMs} ms`;
  return `python-sdk-p3: built (${(r.bytes / 1e6).toFixed(1)} MB, componentize-py ${r.ms} ms${install}; Python ${r.python})`;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    console.log(summary(buildPythonSdkP3App({ force: process.argv.includes('--force') })));
  } catch (err) {
    console.error(`python-sdk-p3: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}
