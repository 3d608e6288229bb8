#!/usr/bin/env node
// Builds one JS guest into a WebAssembly component with componentize-js, against our wit/.
//   node scripts/build-js-guest.mjs <source.js> <world> <out.wasm>
// Skips the build when <out.wasm> is newer than the source and every WIT file.
import { componentize } from '@bytecodealliance/componentize-js';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const witDir = join(root, 'wit');
const sharedDir = join(root, 'guest-examples', 'js-shared');

async function newestMtime(dir) {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

export async function buildJsGuest(source, world, out, { force = false } = {}) {
  const outStat = await stat(out).catch(() => undefined);
  if (!force && outStat) {
    // The guest, the WIT, and the modules guests share by relative import (guest-examples/js-shared).
    const inputs = Math.max((await stat(source)).mtimeMs, await newestMtime(witDir), await newestMtime(sharedDir));
    if (outStat.mtimeMs > inputs) return { out, skipped: true };
  }
  const started = Date.now();
  const { component } = await componentize({
    sourcePath: source,
    witPath: witDir,
    worldName: world,
    // Our guests export wasi:http/incoming-handler themselves.
    disableFeatures: ['fetch-event'],
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, component);
  return { out, skipped: false, bytes: component.length, ms: Date.now() - started };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [source, world, out] = process.argv.slice(2);
  if (!source || !world || !out) {
    console.error('usage: build-js-guest.mjs <source.js> <world> <out.wasm>');
    process.exit(2);
  }
  const r = await buildJsGuest(resolve(source), world, resolve(out), { force: true });
  console.log(`built ${r.out} (${(r.bytes / 1e6).toFixed(1)} MB, ${r.ms} ms)`);
}
