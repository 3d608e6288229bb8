/** Growable memory: memory.size/grow see a virtual size kept in a global, so a reused instance can keep the pages it grew. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { growableMemory, SEEN_PAGES_EXPORT, VIRTUAL_PAGES_EXPORT } from './growable-memory.js';

const wat = async (text: string): Promise<Uint8Array> => (await parse(text)) as Uint8Array;

const GROWER = `(module
  (memory (export "memory") 1 8)
  (global $calls (mut i32) (i32.const 0))
  ;; 0x40 and 0x3f as immediates and block types: the rewrite must not take them for opcodes
  (func (export "grow") (param i32) (result i32)
    (block (result i32) (i32.const 0x40) (drop) (i32.const 0x3f) (drop) (memory.grow (local.get 0))))
  (func (export "size") (result i32) (if (i32.const 1) (then (nop))) (memory.size))
  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1))))`;

interface Grower {
  grow(pages: number): number;
  size(): number;
  memory: WebAssembly.Memory;
  pages: WebAssembly.Global;
  seen: WebAssembly.Global;
}

async function grower(): Promise<Grower> {
  const bytes = growableMemory(await wat(GROWER));
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports;
  return {
    grow: e.grow as (p: number) => number,
    size: e.size as () => number,
    memory: e.memory as WebAssembly.Memory,
    pages: e[VIRTUAL_PAGES_EXPORT] as WebAssembly.Global,
    seen: e[SEEN_PAGES_EXPORT] as WebAssembly.Global,
  };
}

test('a fresh rewritten module grows like the original', async () => {
  const g = await grower();
  assert.equal(g.size(), 1);
  assert.equal(g.grow(2), 1);
  assert.equal(g.size(), 3);
  assert.equal(g.memory.buffer.byteLength, 3 * 65536);
  assert.equal(g.grow(0), 3);
  assert.equal(g.grow(6), -1, 'past the declared maximum of 8 pages');
  assert.equal(g.grow(5), 3);
  assert.equal(g.size(), 8);
});

test('with its size global put back, the guest grows into the pages it already has without the memory growing', async () => {
  const g = await grower();
  assert.equal(g.grow(2), 1);
  g.pages.value = 1;
  g.seen.value = 3;
  assert.equal(g.size(), 1, 'the guest sees the snapshot size');
  assert.equal(g.grow(1), 1, 'grow returns the old virtual size, as on a fresh instance');
  assert.equal(g.memory.buffer.byteLength, 3 * 65536, 'no real growth within the pages already there');
  assert.equal(g.grow(3), 2);
  assert.equal(g.memory.buffer.byteLength, 5 * 65536, 'growth past them grows the real memory by the difference');
  assert.equal(g.size(), 5);
});

test('a grow from outside (a module sharing the memory) claims every page up to the new real size', async () => {
  const g = await grower();
  g.memory.grow(2);
  assert.equal(g.size(), 3);
  assert.equal(g.grow(1), 3);
});

test('modules it cannot rewrite safely are returned as they are', async () => {
  for (const text of [
    '(module (import "env" "m" (memory 1)) (func (export "g") (result i32) (memory.grow (i32.const 1))))',
    '(module (memory 1) (func (export "g") (result i32) (i32.const 1)))',
    '(module (memory 1 1 shared) (func (export "g") (result i32) (memory.grow (i32.const 1))))',
  ]) {
    const bytes = await wat(text);
    assert.equal(growableMemory(bytes), bytes, text);
  }
});
