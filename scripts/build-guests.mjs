#!/usr/bin/env node
// Builds every example guest from source: the JS guests with componentize-js, the app
// built with the Spin JS SDK (scripts/build-spin-sdk-app.mjs), then the Rust guests
// (scripts/build-rust-guests.mjs), the core-module guests (scripts/build-wasi-modules.mjs), the
// Python SDK app (scripts/build-python-guests.mjs) and the apps written with the spin-sdk crate
// (scripts/build-rust-sdk-guests.mjs). Up-to-date outputs are skipped.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildJsGuest } from './build-js-guest.mjs';
import { buildSpinSdkApp, summary as spinSdkAppSummary } from './build-spin-sdk-app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** JS guest → the world in wit/worlds.wit it is built against. */
export const JS_GUESTS = {
  'js-hello': 'http-handler',
  'js-inbound': 'inbound-http-only',
  'js-misbehave': 'http-handler',
  'js-llm': 'http-llm',
  'js-files': 'http-files',
  'js-outbound': 'http-outbound',
  'js-body': 'http-handler',
  'js-state': 'http-handler',
  'js-unsupported': 'http-unsupported',
  'js-redis2': 'http-redis2',
  'js-mqtt': 'http-mqtt',
  'js-kv': 'http-kv',
  'js-sqlite': 'http-sqlite',
  'js-postgres': 'http-postgres',
  'js-postgres3': 'http-postgres3',
  'js-mysql': 'http-mysql',
  'js-config': 'http-config',
  'js-redis-trigger': 'redis-trigger',
  'js-replica': 'http-replica',
};

for (const [name, world] of Object.entries(JS_GUESTS)) {
  const dir = join(root, 'guest-examples', name);
  try {
    const r = await buildJsGuest(join(dir, 'index.js'), world, join(dir, 'dist', `${name}.wasm`));
    console.log(r.skipped ? `${name}: up to date` : `${name}: built (${(r.bytes / 1e6).toFixed(1)} MB, ${r.ms} ms)`);
  } catch (err) {
    console.error(`${name}: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}

// Hand-written core modules (WAT) made into components with jco: guests no compiler makes
// (one that passes a bad resource handle; guests of the WASI 0.2 release candidates, each
// with its own wit/). guest-examples/<name>/guest.wat → dist/<name>.wasm; the world is in
// <name>/wit when there is one (or the wit/ of the guest WAT_WIT_OF names), else in wit/.
const WAT_GUESTS = {
  'wat-bad-poll': 'spin-ts:examples/http-bad-poll',
  'wat-http-rc-2023-10-18': 'spin-ts:http-rc-oct/http-rc',
  'wat-http-rc-2023-11-10': 'spin-ts:http-rc-nov/http-rc',
  'wat-http-rc-drop-request': 'spin-ts:http-rc-oct/http-rc-drop',
};
/** Guests built against another guest's wit/. */
const WAT_WIT_OF = { 'wat-http-rc-drop-request': 'wat-http-rc-2023-10-18' };
for (const [name, world] of Object.entries(WAT_GUESTS)) {
  const jco = await import('@bytecodealliance/jco');
  const dir = join(root, 'guest-examples', name);
  try {
    const core = await jco.parse(readFileSync(join(dir, 'guest.wat'), 'utf8'));
    const witDir = join(root, 'guest-examples', WAT_WIT_OF[name] ?? name, 'wit');
    const witPath = existsSync(witDir) ? witDir : join(root, 'wit');
    const embedded = await jco.componentEmbed({ binary: core, witPath, world });
    const component = await jco.componentNew(embedded, undefined);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'dist', `${name}.wasm`), component);
    console.log(`${name}: built (${component.length} bytes)`);
  } catch (err) {
    console.error(`${name}: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}

// Hand-written WASIp3 components (component-model WAT, assembled by jco-transpile's wasm-tools,
// which knows the async ABI): the shapes spin-ts must refuse at start on Node 20.
const P3_WAT_GUESTS = ['wat-p3-stackful', 'wat-p3-yield', 'wat-p3-thread'];
for (const name of P3_WAT_GUESTS) {
  const { parse } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const dir = join(root, 'guest-examples', name);
  try {
    const component = await parse(readFileSync(join(dir, 'component.wat'), 'utf8'));
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'dist', `${name}.wasm`), component);
    console.log(`${name}: built (${component.length} bytes)`);
  } catch (err) {
    console.error(`${name}: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}

// The app built with the official Spin JS SDK, by its own `npm run build` (scripts/build-spin-sdk-app.mjs).
try {
  console.log(spinSdkAppSummary(buildSpinSdkApp()));
} catch (err) {
  console.error(`spin-sdk-app: build failed: ${err.message ?? err}`);
  process.exit(1);
}

// Spin's http-ts template (hono) with the newest Spin JS SDK on npm, unmodified, through `spin-ts build`.
const jsSdkCurrent = await import('./build-js-sdk-current.mjs');
try {
  console.log(jsSdkCurrent.summary(jsSdkCurrent.buildJsSdkCurrent()));
} catch (err) {
  console.error(`js-sdk-current: build failed: ${err.message ?? err}`);
  process.exit(1);
}

// The Go guests (WAGI commands, GOOS=wasip1) need a Go toolchain: skipped with a hint when
// missing; CI sets SPIN_TS_REQUIRE_GO=1.
const goGuests = await import('./build-go-guests.mjs');
if (!goGuests.findGo() && process.env.SPIN_TS_REQUIRE_GO !== '1') {
  console.warn(`Go guests skipped: ${goGuests.GO_HINT}; their tests will be skipped.`);
} else {
  try {
    console.log('Go guests:');
    goGuests.buildGoGuests();
  } catch (err) {
    console.error(`go guests: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}

// The Rust guests need Debian's rustc and wasm32 std (.ci/run installs them). Without
// them, skip with a hint, so `npm start` works on a fresh machine; CI sets
// SPIN_TS_REQUIRE_RUST=1 so a broken toolchain fails loudly there.
const rust = join(root, 'scripts', 'build-rust-guests.mjs');
if (!existsSync('/usr/bin/rustc') && process.env.SPIN_TS_REQUIRE_RUST !== '1') {
  console.warn('Rust guests skipped: /usr/bin/rustc not found (apt-get install -y rustc libstd-rust-dev-wasm32); their tests will be skipped.');
} else {
  const r = spawnSync(process.execPath, [rust], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // The core-module guests (WAGI commands), wasm32-wasi with the same rustc.
  const modules = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasi-modules.mjs')], { stdio: 'inherit' });
  if (modules.status !== 0) process.exit(modules.status ?? 1);
}

// The app written with Spin's Python SDK needs python3 with venv (and PyPI): skipped with a
// hint when missing, so `npm start` works on a fresh machine; CI sets SPIN_TS_REQUIRE_PYTHON=1.
const { buildPythonSdkApp, findPython, PYTHON_HINT, summary: pythonSdkSummary } = await import('./build-python-guests.mjs');
if (!findPython() && process.env.SPIN_TS_REQUIRE_PYTHON !== '1') {
  console.warn(`python-sdk skipped: no python3 with the venv module (${PYTHON_HINT}); its tests will be skipped.`);
} else {
  try {
    console.log(pythonSdkSummary(buildPythonSdkApp()));
  } catch (err) {
    console.error(`python-sdk: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
  // The WASIp3 app on the current Python SDK (scripts/build-python-p3-guests.mjs).
  const { buildPythonSdkP3Apps, summary: p3Summary } = await import('./build-python-p3-guests.mjs');
  try {
    for (const r of buildPythonSdkP3Apps()) console.log(p3Summary(r));
  } catch (err) {
    console.error(`python-sdk-p3: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}

// The apps written with the official spin-sdk crate need Debian's Rust 1.96 (fetched into the
// repo by apt-get download) and libllvm22: skipped with a hint when missing; CI sets
// SPIN_TS_REQUIRE_RUST_SDK=1.
const rustSdk = await import('./build-rust-sdk-guests.mjs');
if (!rustSdk.canFetchToolchain() || (!rustSdk.hasLibLlvm() && process.env.SPIN_TS_REQUIRE_RUST_SDK !== '1')) {
  if (process.env.SPIN_TS_REQUIRE_RUST_SDK === '1') {
    console.error('rust-sdk guests: apt-get and dpkg-deb are needed to fetch Debian Rust 1.96');
    process.exit(1);
  }
  console.warn(`rust-sdk guests skipped: ${rustSdk.APT_HINT}; their tests will be skipped.`);
} else {
  try {
    console.log('Rust spin-sdk guests:');
    await rustSdk.buildRustSdkGuests();
  } catch (err) {
    console.error(`rust-sdk guests: build failed: ${err.message ?? err}`);
    process.exit(1);
  }
}
