#!/usr/bin/env node
// Builds guest-examples/spin-sdk-app, the app made with the official Spin JS SDK, the way
// Spin builds it (`npm run build` in the app: esbuild, then the SDK's j2w). The app has its
// own package.json and package-lock.json, so the SDK's toolchain stays out of our root
// install; its node_modules is installed here with `npm ci` when missing or stale.
//
//   node scripts/build-spin-sdk-app.mjs [--force]
//
// Skips the build when the .wasm is newer than every input. j2w exits 0 even when
// componentization fails (it only logs the error), so success is judged by the output
// file: it is removed before the build and must exist, fresh, afterwards.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SPIN_SDK_APP_DIR = join(root, 'guest-examples', 'spin-sdk-app');
export const SPIN_SDK_APP_WASM = join(SPIN_SDK_APP_DIR, 'dist', 'spin-sdk-app.wasm');

/** Files whose change means a rebuild: the app's sources, its build script and its dependency set. */
const INPUTS = ['src', 'build.mjs', 'package.json', 'package-lock.json'];

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * The environment for the nested npm: without the npm_* variables of an enclosing
 * `npm run` (e.g. npm_config_local_prefix, npm_package_json) that point at our root
 * package, so npm works on the app's package.json only.
 */
function npmEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|config_local_prefix$|config_call$)/i.test(key)) delete env[key];
  }
  return env;
}

/** Runs npm (the one running us when we run under npm, else the one on PATH) in the app's folder. */
function npm(args) {
  const execpath = process.env.npm_execpath;
  const [cmd, pre] = execpath && /\.[cm]?js$/.test(execpath) ? [process.execPath, [execpath]] : ['npm', []];
  const r = spawnSync(cmd, [...pre, ...args, '--prefix', SPIN_SDK_APP_DIR], {
    cwd: SPIN_SDK_APP_DIR,
    env: npmEnv(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  // The tail is enough to see why (npm ci's usage text alone runs to a hundred lines).
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => !l.startsWith('npm warn Unknown user config'));
  const output = (lines.length > 60 ? ['…', ...lines.slice(-60)] : lines).join('\n');
  if (r.error) throw new Error(`npm ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, output };
}

/** Installs the app's own dependencies from its lock file when node_modules is missing or older than it. */
function ensureDeps() {
  const installed = join(SPIN_SDK_APP_DIR, 'node_modules', '.package-lock.json');
  const lock = join(SPIN_SDK_APP_DIR, 'package-lock.json');
  const st = statSync(installed, { throwIfNoEntry: false });
  if (st && st.mtimeMs >= statSync(lock).mtimeMs) return undefined;
  const started = Date.now();
  const r = npm(['ci', '--no-audit', '--no-fund']);
  if (r.status !== 0) throw new Error(`npm ci failed (exit ${r.status}):\n${r.output}`);
  return Date.now() - started;
}

/**
 * Builds the app unless its .wasm is up to date. Returns {skipped} or {bytes, ms, installMs};
 * throws with the build's output when the build fails or produces no fresh .wasm.
 */
export function buildSpinSdkApp({ force = false } = {}) {
  const out = SPIN_SDK_APP_WASM;
  const installMs = ensureDeps();
  const outStat = statSync(out, { throwIfNoEntry: false });
  if (!force && installMs === undefined && outStat) {
    const inputs = Math.max(...INPUTS.map((p) => newestMtime(join(SPIN_SDK_APP_DIR, p))));
    if (outStat.mtimeMs > inputs) return { skipped: true };
  }
  // j2w skips componentizing when it thinks the output is current, and reports failures
  // with exit 0: without the old output, only a successful componentization leaves one.
  rmSync(out, { force: true });
  const started = Date.now();
  const r = npm(['run', 'build']);
  const ms = Date.now() - started;
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status}):\n${r.output}`);
  const st = statSync(out, { throwIfNoEntry: false });
  if (!st || st.mtimeMs < started - 1000) {
    throw new Error(`npm run build exited 0 but wrote no ${relative(root, out)} (j2w reports failures with exit 0):\n${r.output}`);
  }
  return { skipped: false, bytes: st.size, ms, installMs };
}

/** One line for the build log. */
export function summary(r) {
  if (r.skipped) return 'spin-sdk-app: up to date';
  const install = r.installMs === undefined ? '' : `, after npm ci in ${r.installMs} ms`;
  return `spin-sdk-app: built (${(r.bytes / 1e6).toFixed(1)} MB, ${r.ms} ms${install})`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(summary(buildSpinSdkApp({ force: process.argv.includes('--force') })));
  } catch (err) {
    console.error(`spin-sdk-app: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}
