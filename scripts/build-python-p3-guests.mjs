#!/usr/bin/env node
// Builds guest-examples/python-sdk-p3, a WASIp3 app on Spin's current Python SDK (spin-sdk
// 5.0.0, componentize-py 0.25.1: it exports wasi:http/handler@0.3.0), and python-sdk-p3-rc
// (spin-sdk 4.0.0, componentize-py 0.23.0: @0.3.0-rc-2026-03-15), each as a Spin user does:
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
/** The apps: folder, and the component its spin.toml builds. */
export const PYTHON_P3_APPS = [
  { name: 'python-sdk-p3', dir: join(ROOT, 'guest-examples', 'python-sdk-p3') },
  { name: 'python-sdk-p3-rc', dir: join(ROOT, 'guest-examples', 'python-sdk-p3-rc') },
].map((app) => ({ ...app, wasm: join(app.dir, 'dist', `${app.name}.wasm`) }));
const INPUTS = ['app.py', 'requirements.txt', 'spin.toml'];

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${output.split('\n').slice(-40).join('\n')}`);
  return output;
}

function ensureVenv(app, python, force) {
  const venv = join(app.dir, '.venv');
  const installed = join(venv, '.spin-ts-installed');
  if (!force && mtime(installed) > mtime(join(app.dir, 'requirements.txt'))) return undefined;
  const started = Date.now();
  rmSync(venv, { recursive: true, force: true });
  run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--no-cache-dir', '--disable-pip-version-check', '-q', '-r', join(app.dir, 'requirements.txt')]);
  writeFileSync(installed, `${new Date().toISOString()}\n`);
  return Date.now() - started;
}

function buildOne(app, python, force) {
  const installMs = ensureVenv(app, python.python, force);
  const inputs = Math.max(mtime(join(app.dir, '.venv', '.spin-ts-installed')), ...INPUTS.map((f) => mtime(join(app.dir, f))));
  if (!force && mtime(app.wasm) > inputs) return { name: app.name, skipped: true };
  rmSync(app.wasm, { force: true });
  mkdirSync(dirname(app.wasm), { recursive: true });
  const started = Date.now();
  run(process.execPath, [join(ROOT, 'bin', 'spin-ts.js'), 'build', '-f', join(app.dir, 'spin.toml')], { cwd: ROOT });
  const ms = Date.now() - started;
  const st = statSync(app.wasm, { throwIfNoEntry: false });
  if (!st) throw new Error(`spin-ts build exited 0 but wrote no ${relative(ROOT, app.wasm)}`);
  return { name: app.name, skipped: false, bytes: st.size, ms, installMs, python: python.version };
}

/** Builds each app unless its component is current: one {name, skipped} or {name, bytes, ms, installMs, python} each. */
export function buildPythonSdkP3Apps({ force = false } = {}) {
  const found = findPython();
  if (!found) throw new Error(`no python3 with the venv module (set SPIN_TS_PYTHON, or ${PYTHON_HINT})`);
  return PYTHON_P3_APPS.map((app) => buildOne(app, found, force));
}

export function summary(r) {
  if (r.skipped) return `${r.name}: up to date`;
  const install = r.installMs === undefined ? '' : `, after venv + pip install in ${r.installMs} ms`;
  return `${r.name}: built (${(r.bytes / 1e6).toFixed(1)} MB, componentize-py ${r.ms} ms${install}; Python ${r.python})`;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    for (const r of buildPythonSdkP3Apps({ force: process.argv.includes('--force') })) console.log(summary(r));
  } catch (err) {
    console.error(`python-sdk-p3: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}
