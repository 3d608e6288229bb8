import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImports, isProvided, missingImports } from './imports.js';

const PROVIDED = new Set(['wasi:io/streams@0.2', 'fermyon:spin/llm', 'fermyon:spin/llm@2.0.0']);

test('a version prefix accepts every patch; exact names accept only themselves', () => {
  assert.equal(isProvided('wasi:io/streams@0.2.3', PROVIDED), true);
  assert.equal(isProvided('wasi:io/streams@0.2.0-rc-2023-11-10', PROVIDED), true);
  assert.equal(isProvided('wasi:io/streams@0.3.0', PROVIDED), false);
  assert.equal(isProvided('fermyon:spin/llm', PROVIDED), true);
  assert.equal(isProvided('fermyon:spin/llm@2.0.0', PROVIDED), true);
  assert.equal(isProvided('fermyon:spin/llm@3.0.0', PROVIDED), false);
  assert.equal(isProvided('spin:key-value/key-value@3.0.0', PROVIDED), false);
  // jco drops the version of an interface imported in one version only
  assert.equal(isProvided('wasi:io/streams', PROVIDED), true);
  assert.equal(isProvided('fermyon:spin/key-value', PROVIDED), false);
});

test('a missing import is a start-up error naming the component, the interface and what is supported', () => {
  assert.deepEqual(missingImports(['wasi:io/streams@0.2.3', 'fermyon:spin/key-value@2.0.0'], PROVIDED), ['fermyon:spin/key-value@2.0.0']);
  assert.throws(
    () => checkImports('cart', ['fermyon:spin/key-value@2.0.0'], PROVIDED),
    /component 'cart' imports 'fermyon:spin\/key-value@2\.0\.0', which spin-ts does not provide\. Build it against interfaces spin-ts supports \(fermyon:spin\/llm, fermyon:spin\/llm@2\.0\.0, wasi:io\/streams@0\.2\)/,
  );
  assert.doesNotThrow(() => checkImports('ok', ['wasi:io/streams@0.2.0', 'fermyon:spin/llm'], PROVIDED));
});
