/** Telling a module whose wasi-libc has the pre-wasi-sdk-19 heap bug by its producers section, as Spin does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasiLibc377Clang } from './wasi-libc-bug.js';

const moduleWith = async (producers: string) => (await import('@bytecodealliance/jco')).parse(`(module ${producers} (func (export "_start")))`);

test('clang before 15.0.7 in processed-by is the bug, whatever the vendor prefix or suffix', async () => {
  assert.equal(wasiLibc377Clang(await moduleWith('(@producers (processed-by "clang" "14.0.0"))')), 'clang 14.0.0');
  assert.equal(
    wasiLibc377Clang(await moduleWith('(@producers (processed-by "Debian clang" "14.0.6") (processed-by "rustc" "1.63.0"))')),
    'Debian clang 14.0.6',
  );
  assert.equal(
    wasiLibc377Clang(await moduleWith('(@producers (processed-by "clang" "15.0.0 (https://example.com/llvm abc)"))')),
    'clang 15.0.0 (https://example.com/llvm abc)',
  );
});

test('clang 15.0.7 and later, no clang, or no producers section at all: nothing to say', async () => {
  assert.equal(wasiLibc377Clang(await moduleWith('(@producers (processed-by "clang" "15.0.7"))')), undefined);
  assert.equal(wasiLibc377Clang(await moduleWith('(@producers (processed-by "clang" "16.0.0 extra"))')), undefined);
  assert.equal(wasiLibc377Clang(await moduleWith('(@producers (processed-by "rustc" "1.63.0"))')), undefined);
  assert.equal(wasiLibc377Clang(await moduleWith('')), undefined);
});
