#!/usr/bin/env node
// Builds guest-examples/js-sdk-current, an app in the shape of Spin's http-ts template (hono),
// with the newest Spin JS SDK packages the npm registry serves (@spinframework/build-tools 1.0.7,
// @spinframework/wasi-http-proxy 1.0.1): `spin-ts build` runs the template's
// [component.build] command (`npm install`, `npm run build`). build-tools' Rust crate (wit-tools)
// comes prebuilt inside its npm package (lib/wit_tools.core.wasm), so nothing is compiled from
// crates.io. The app keeps its own node_modules, installed first with `npm ci` from its
// package-lock.json, so the template's `npm install` finds it current and the versions stay locked.
//
//   node scripts/build-js-sdk-current.mjs [--force]
//
// j2w exits 0 when componentization fails (it only logs), so success is judged by a fresh .wasm.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
export const JS_SDK_CURRENT_DIR = join(ROOT, 'guest-examples', 'js-sdk-current');
export const JS_SDK_CURRENT_WASM = join(JS_SDK_CURRENT_DIR, 'dist', 'js-sdk-current.wasm');
const INPUTS = ['src', 'build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json', 'spin.toml'];

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** The environment without an enclosing `npm run`'s npm_* variables, which point npm at our root package. */
function appEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^npm_(package_|lifecycle_|config_local_prefix$|config_call$)/i.test(key)) delete env[key];
  return env;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: JS_SDK_CURRENT_DIR, env: appEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n');
  return { status: r.status, output: (lines.length > 60 ? ['…', ...lines.slice(-60)] : lines).join('\n') };
}

/** `npm ci` in the app's folder when its node_modules is missing or older than the lock file; returns the ms, or undefined. */
function ensureDeps() {
  const installed = statSync(join(JS_SDK_CURRENT_DIR, 'node_modules', '.package-lock.json'), { throwIfNoEntry: false });
  if (installed && installed.mtimeMs >= statSync(join(JS_SDK_CURRENT_DIR, 'package-lock.json')).mtimeMs) return undefined;
  const started = Date.now();
  const r = run('npm', ['ci', '--no-audit', '--no-fund', '--prefix', JS_SDK_CURRENT_DIR]);
  if (r.status !== 0) throw new Error(`npm ci failed (exit ${r.status}):\n${r.output}`);
  return Date.now() - started;
}

/** Builds the app unless current. Returns {skipped} or {bytes, ms, installMs}; throws with the build's output. */
export function buildJsSdkCurrent({ force = false } = {}) {
  const installMs = ensureDeps();
  const out = statSync(JS_SDK_CURRENT_WASM, { throwIfNoEntry: false });
  const inputs = Math.max(newestMtime(SCRIPT), ...INPUTS.map((p) => newestMtime(join(JS_SDK_CURRENT_DIR, p))));
  if (!force && installMs === undefined && out && out.mtimeMs > inputs) return { skipped: true };
  rmSync(JS_SDK_CURRENT_WASM, { force: true });
  const started = Date.now();
  const r = run(process.execPath, [join(ROOT, 'bin', 'spin-ts.js'), 'build', '-f', join(JS_SDK_CURRENT_DIR, 'spin.toml')]);
  const ms = Date.now() - started;
  if (r.status !== 0) throw new Error(`spin-ts build failed (exit ${r.status}):\n${r.output}`);
  const st = statSync(JS_SDK_CURRENT_WASM, { throwIfNoEntry: false });
  if (!st || st.mtimeMs < started - 1000) {
    throw new Error(`spin-ts build exited 0 but wrote no ${relative(ROOT, JS_SDK_CURRENT_WASM)} (j2w reports failures with exit 0):\n${r.output}`);
  }
  return { skipped: false, bytes: st.size, ms, installMs };
}

export function summary(r) {
  if (r.skipped) return 'js-sdk-current: up to date';
  const install = r.installMs === undefined ? '' : `, after npm ci in ${r.installMs} ms`;
  return `js-sdk-current: built (${(r.bytes / 1e6).toFixed(1)} MB, spin-ts build ${r.ms} ms${install})`;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    console.log(summary(buildJsSdkCurrent({ force: process.argv.includes('--force') })));
  } catch (err) {
    console.error(`js-sdk-current: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}
