/** State exports: a module's memories and mutable globals become reachable from JS, and nothing else about it changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { exportState, GLOBAL_EXPORT_PREFIX, MEMORY_EXPORT_PREFIX } from './state-exports.js';

const wat = async (text: string): Promise<Uint8Array> => (await parse(text)) as Uint8Array;

function exportNames(bytes: Uint8Array): string[] {
  return WebAssembly.Module.exports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).map((e) => e.name);
}

test('defined memories and mutable globals are exported; imported and immutable ones are not', async () => {
  const bytes = exportState(
    await wat(`(module
      (import "env" "g" (global $imported (mut i32)))
      (import "env" "m" (memory 1))
      (global $sp (mut i32) (i32.const 11)) ;; 11 is 0x0b, the end opcode: the parser must skip immediates
      (global $k i64 (i64.const 5))
      (global $big (mut i64) (i64.const 3))
      (func (export "bump") (global.set $sp (i32.add (global.get $sp) (i32.const 1))))
      (start 0))`),
  );
  assert.deepEqual(exportNames(bytes).sort(), ['bump', `${GLOBAL_EXPORT_PREFIX}1`, `${GLOBAL_EXPORT_PREFIX}3`].sort());
  const g = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
    env: { g, m: new WebAssembly.Memory({ initial: 1 }) },
  });
  const sp = instance.exports[`${GLOBAL_EXPORT_PREFIX}1`] as WebAssembly.Global;
  assert.equal(sp.value, 12, 'the start function ran on the real global');
  (instance.exports.bump as () => void)();
  assert.equal(sp.value, 13);
  assert.equal((instance.exports[`${GLOBAL_EXPORT_PREFIX}3`] as WebAssembly.Global).value, 3n);
});

test('a module without an export section gets one, in the right place', async () => {
  const bytes = exportState(await wat('(module (memory 2) (global (mut f64) (f64.const 1.5)) (data (i32.const 0) "hi"))'));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  const memory = instance.exports[`${MEMORY_EXPORT_PREFIX}0`] as WebAssembly.Memory;
  assert.equal(memory.buffer.byteLength, 2 * 65536);
  assert.equal(Buffer.from(memory.buffer, 0, 2).toString(), 'hi');
  assert.equal((instance.exports[`${GLOBAL_EXPORT_PREFIX}0`] as WebAssembly.Global).value, 1.5);
});

test('a module with no state of its own is returned unchanged', async () => {
  const bytes = await wat('(module (func (export "f")))');
  assert.equal(exportState(bytes), bytes);
});

test('a malformed module is refused, not silently rewritten', async () => {
  const bytes = await wat('(module (global (mut i32) (i32.const 0)))');
  assert.throws(() => exportState(bytes.subarray(0, bytes.length - 2)), /truncated|unexpected/);
});
