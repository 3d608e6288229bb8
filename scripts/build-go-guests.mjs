#!/usr/bin/env node
// Builds the Go guests (guest-examples/go-*) with the Go toolchain alone, through `spin-ts build`
// (each app's [component.build] command: `GOOS=wasip1 GOARCH=wasm go build …`). Go's wasip1
// port makes WASI preview1 commands, which spin-ts runs as WAGI handlers; spin-go-sdk's
// components need TinyGo or componentize-go, neither of which can be had from the registries
// here (docs/guests.md says why). The build and module caches live in guest-examples/.go
// (git-ignored), so nothing is cached outside the repository; modules come from the Go module
// proxy at the versions in each app's go.sum (-mod=readonly).
//
//   node scripts/build-go-guests.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const CACHE = join(ROOT, 'guest-examples', '.go');

/** The apps: name = folder under guest-examples/ = output file name under its dist/. */
export const GO_GUESTS = ['go-wagi'];
export const GO_HINT = 'install Go ≥ 1.24 (go on PATH, or /usr/local/go/bin/go)';

export function goGuestOutput(name) {
  return join(ROOT, 'guest-examples', name, 'dist', `${name}.wasm`);
}

/** The go command to use: SPIN_TS_GO, then PATH, then /usr/local/go; undefined when none runs. */
export function findGo() {
  for (const go of [process.env.SPIN_TS_GO, 'go', '/usr/local/go/bin/go'].filter(Boolean)) {
    const r = spawnSync(go, ['env', 'GOVERSION', 'GOROOT'], { encoding: 'utf8' });
    if (r.status === 0) {
      const [version, goroot] = r.stdout.trim().split('\n');
      return { version, bin: join(goroot, 'bin') };
    }
  }
  return undefined;
}

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

/** Newest mtime of the app's inputs: its Go files, go.mod, go.sum and spin.toml (dist/ left out). */
function newestInput(dir) {
  let newest = mtime(SCRIPT);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'dist') newest = Math.max(newest, newestInput(path));
    else if (/\.go$|^go\.(mod|sum)$|^spin\.toml$/.test(entry.name)) newest = Math.max(newest, mtime(path));
  }
  return newest;
}

/** Builds each stale app with `spin-ts build`. Returns one record per app built; throws with the build's output. */
export function buildGoGuests({ force = false, log = (line) => console.log(line) } = {}) {
  const go = findGo();
  if (!go) throw new Error(`no Go toolchain (${GO_HINT})`);
  const env = {
    ...process.env,
    PATH: [go.bin, process.env.PATH].filter(Boolean).join(delimiter),
    GOCACHE: join(CACHE, 'cache'),
    GOMODCACHE: join(CACHE, 'mod'),
    GOFLAGS: '-mod=readonly -modcacherw',
    GOTOOLCHAIN: 'local',
  };
  const results = [];
  for (const name of GO_GUESTS) {
    const dir = join(ROOT, 'guest-examples', name);
    const out = goGuestOutput(name);
    if (!force && mtime(out) > newestInput(dir)) {
      log(`  ${name}: up to date`);
      continue;
    }
    rmSync(out, { force: true });
    const started = Date.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'spin-ts.js'), 'build', '-f', join(dir, 'spin.toml')], { cwd: ROOT, env, encoding: 'utf8' });
    const ms = Date.now() - started;
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
    if (r.status !== 0) throw new Error(`spin-ts build -f ${relative(ROOT, dir)}/spin.toml exited with ${r.status}:\n${output}`);
    if (!existsSync(out)) throw new Error(`spin-ts build exited 0 but wrote no ${relative(ROOT, out)}:\n${output}`);
    const bytes = statSync(out).size;
    log(`  ${name}: ${relative(ROOT, out)} ${(bytes / 1e6).toFixed(1)} MB, go build ${ms} ms (${go.version})`);
    results.push({ name, bytes, ms });
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  try {
    console.log('Go guests:');
    buildGoGuests({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`build-go-guests: ${err.message ?? err}`);
    process.exit(1);
  }
}
