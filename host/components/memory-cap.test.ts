/** The linear-memory cap: a module's memory may not grow past it, whatever its own maximum says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capMemory } from './memory-cap.js';

// (module (memory (export "m") 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
const NO_MAX = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
  0x0c, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
]);

function instantiate(bytes: Uint8Array) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  return instance.exports as { m: WebAssembly.Memory; grow(pages: number): number };
}

test('the fixture grows freely without a cap', () => {
  assert.equal(instantiate(NO_MAX).grow(100), 1);
});

test('a capped module cannot grow past the cap', () => {
  const e = instantiate(capMemory(NO_MAX, 4 * 65536));
  assert.equal(e.grow(2), 1, 'within the cap');
  assert.equal(e.grow(2), -1, 'past the cap');
  assert.equal(e.m.buffer.byteLength, 3 * 65536);
});

test('a lower maximum in the module is kept, and a module with no memory is unchanged', () => {
  const capped = capMemory(capMemory(NO_MAX, 2 * 65536), 100 * 65536);
  assert.equal(instantiate(capped).grow(2), -1);
  const noMemory = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  assert.equal(capMemory(noMemory, 65536), noMemory);
});
