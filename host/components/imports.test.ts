import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImports, isProvided, missingImports, versionedImports } from './imports.js';

const PROVIDED = new Set(['wasi:io/streams@0.2', 'fermyon:spin/llm', 'fermyon:spin/llm@2.0.0']);

test('a version prefix accepts every patch; exact names accept only themselves', () => {
  assert.equal(isProvided('wasi:io/streams@0.2.3', PROVIDED), true);
  // a release candidate is its own interface: provided only by its exact name
  assert.equal(isProvided('wasi:io/streams@0.2.0-rc-2023-11-10', PROVIDED), false);
  assert.equal(isProvided('wasi:io/streams@0.2.0-rc-2023-11-10', new Set([...PROVIDED, 'wasi:io/streams@0.2.0-rc-2023-11-10'])), true);
  assert.equal(isProvided('wasi:io/streams@0.2.0-rc-2023-10-18', new Set([...PROVIDED, 'wasi:io/streams@0.2.0-rc-2023-11-10'])), false);
  assert.equal(isProvided('wasi:io/streams@0.3.0', PROVIDED), false);
  assert.equal(isProvided('fermyon:spin/llm', PROVIDED), true);
  assert.equal(isProvided('fermyon:spin/llm@2.0.0', PROVIDED), true);
  assert.equal(isProvided('fermyon:spin/llm@3.0.0', PROVIDED), false);
  assert.equal(isProvided('spin:key-value/key-value@3.0.0', PROVIDED), false);
  // An unversioned import (Spin 1.x's package has no version) needs the unversioned name:
  // matching never crosses a version (the names come from the binary, not jco's list).
  assert.equal(isProvided('wasi:io/streams', PROVIDED), false);
  assert.equal(isProvided('fermyon:spin/key-value', PROVIDED), false);
  assert.equal(isProvided('fermyon:spin/redis@2.0.0', new Set(['fermyon:spin/redis'])), false);
  assert.equal(isProvided('fermyon:spin/redis', new Set(['fermyon:spin/redis'])), true);
});

test("the imports checked are jco's, in every version the binary imports them; type-only interfaces are not", () => {
  const binary = ['fermyon:spin/http-types', 'fermyon:spin/redis@2.0.0', 'fermyon:spin/key-value@2.0.0', 'fermyon:spin/key-value', 'wasi:io/poll@0.2.3'];
  assert.deepEqual(versionedImports(['fermyon:spin/redis', 'fermyon:spin/key-value', 'wasi:io/poll'], binary), [
    'fermyon:spin/redis@2.0.0',
    'fermyon:spin/key-value@2.0.0',
    'fermyon:spin/key-value',
    'wasi:io/poll@0.2.3',
  ]);
  // a name jco reports that the binary does not (never seen): checked as jco gives it
  assert.deepEqual(versionedImports(['x:y/z'], binary), ['x:y/z']);
});

test('a missing import is a start-up error naming the component, the interface and what is supported', () => {
  assert.deepEqual(missingImports(['wasi:io/streams@0.2.3', 'fermyon:spin/key-value@2.0.0'], PROVIDED), ['fermyon:spin/key-value@2.0.0']);
  assert.throws(
    () => checkImports('cart', ['fermyon:spin/key-value@2.0.0'], PROVIDED),
    /component 'cart' imports 'fermyon:spin\/key-value@2\.0\.0', which spin-ts does not provide\. Build it against interfaces spin-ts supports \(fermyon:spin\/llm, fermyon:spin\/llm@2\.0\.0, wasi:io\/streams@0\.2\)/,
  );
  assert.doesNotThrow(() => checkImports('ok', ['wasi:io/streams@0.2.0', 'fermyon:spin/llm'], PROVIDED));
});
