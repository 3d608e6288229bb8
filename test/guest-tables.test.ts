/**
 * Snapshots restore memories and globals, not tables or dropped segments. Pins what our
 * guests do: none writes its tables or drops a passive segment at run time (restorable.ts
 * would mark it, and it would get fresh instances), and each main module's memory is made
 * growable (growable-memory.ts), so a Rust guest that grows on every request keeps its
 * snapshot. Reads the transpiled core modules exactly as `spin-ts up` gets them.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { VIRTUAL_PAGES_EXPORT } from '../host/components/growable-memory.js';
import { UNRESTORABLE_SECTION } from '../host/components/restorable.js';
import { transpileCached } from '../host/components/transpile.js';
import { guest, TEST_CACHE } from './support/spin.js';

const GUESTS = ['js-hello', 'js-state', 'spin-sdk-app', 'rust-hello', 'rust-state', 'rust-kv', 'rust-sqlite', 'rust-outbound', 'rust-llm', 'rust-trap'];

for (const name of GUESTS) {
  test(`${name}: no core module writes its tables or drops a segment; its own memory is growable`, { timeout: 300_000 }, async () => {
    const t = await transpileCached(guest(name), TEST_CACHE);
    let growable = 0;
    for (const file of t.coreModules) {
      const module = await WebAssembly.compile((await readFile(join(t.dir, file))) as Uint8Array<ArrayBuffer>);
      const marks = WebAssembly.Module.customSections(module, UNRESTORABLE_SECTION).map((b) => Buffer.from(b).toString());
      assert.deepEqual(marks, [], `${file} is marked: ${marks.join(', ')}`);
      if (WebAssembly.Module.exports(module).some((e) => e.name === VIRTUAL_PAGES_EXPORT)) growable++;
    }
    assert.equal(growable, 1, 'exactly one core module (the guest itself) has a growable memory');
  });
}
