/** Modules that write their tables or drop segments are marked, and a snapshot refuses them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { CoreSnapshot, NotReusable } from './core-snapshot.js';
import { markUnrestorable, UNRESTORABLE_SECTION, unrestorableInstruction } from './restorable.js';
import { exportState } from './state-exports.js';

const wat = async (text: string): Promise<Uint8Array> => (await parse(text)) as Uint8Array;

const cases: Array<[string, string]> = [
  ['table.set', '(module (table 2 funcref) (func $f) (func (export "run") (table.set (i32.const 0) (ref.func $f))) (elem declare func $f))'],
  ['table.grow', '(module (table 1 funcref) (func (export "run") (drop (table.grow (ref.null func) (i32.const 1)))))'],
  ['table.fill', '(module (table 2 funcref) (func (export "run") (table.fill (i32.const 0) (ref.null func) (i32.const 2))))'],
  ['table.copy', '(module (table 2 funcref) (func (export "run") (table.copy (i32.const 0) (i32.const 1) (i32.const 1))))'],
  ['table.init', '(module (table 2 funcref) (func $f) (elem $e func $f) (func (export "run") (table.init $e (i32.const 0) (i32.const 0) (i32.const 1))))'],
  ['elem.drop', '(module (func $f) (elem $e func $f) (func (export "run") (elem.drop $e)))'],
  ['data.drop', '(module (memory 1) (data $d "x") (func (export "run") (data.drop $d)))'],
];

test('each instruction that changes tables or drops a segment is found', async () => {
  for (const [name, text] of cases) assert.equal(unrestorableInstruction(await wat(text)), name, text);
});

test('reading tables, copying memory and memory.init on a kept segment are restorable', async () => {
  const bytes = await wat(`(module (memory 1) (table 1 funcref) (data $d "abc")
    (func (export "run") (drop (table.get (i32.const 0))) (drop (table.size))
      (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))
      (memory.copy (i32.const 8) (i32.const 0) (i32.const 3)) (memory.fill (i32.const 0) (i32.const 0) (i32.const 3))))`);
  assert.equal(unrestorableInstruction(bytes), undefined);
  assert.equal(markUnrestorable(bytes), bytes);
});

test('a marked module makes the snapshot refuse itself: the worker then uses fresh instances', async () => {
  const module = new WebAssembly.Module(exportState(await wat(cases[0][1])) as Uint8Array<ArrayBuffer>);
  assert.equal(Buffer.from(WebAssembly.Module.customSections(module, UNRESTORABLE_SECTION)[0]).toString(), 'table.set');
  const snapshot = new CoreSnapshot();
  snapshot.instantiateCore(module, {});
  assert.throws(
    () => snapshot.finishBuild(),
    (err: unknown) => err instanceof NotReusable && /uses table\.set, which a snapshot cannot put back/.test(err.message),
  );
});

test('an unmarked module builds a snapshot', async () => {
  const module = new WebAssembly.Module(
    exportState(await wat('(module (memory 1) (global (mut i32) (i32.const 1)) (func (export "run")))')) as Uint8Array<ArrayBuffer>,
  );
  const snapshot = new CoreSnapshot();
  snapshot.instantiateCore(module, {});
  snapshot.finishBuild();
  assert.equal(snapshot.snapshotBytes, 65536);
});
