import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { componentImportNames } from './component-imports.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const built = (name: string) => readFileSync(join(REPO, 'guest-examples', name, 'dist', `${name}.wasm`));

test("a component's import names come with the versions written in the binary", () => {
  const kv = componentImportNames(built('js-kv'));
  for (const name of ['fermyon:spin/key-value@2.0.0', 'fermyon:spin/key-value', 'wasi:keyvalue/store@0.2.0-draft2', 'wasi:io/streams@0.2.3']) {
    assert.ok(kv.includes(name), `${name} in ${kv.join(', ')}`);
  }
  assert.deepEqual(
    componentImportNames(built('js-redis2')).filter((n) => n.startsWith('fermyon:')),
    ['fermyon:spin/redis@2.0.0'],
  );
});

test('a core module or a truncated component is an error, not a guess', () => {
  assert.throws(() => componentImportNames(built('wagi-echo')), /not a WebAssembly component/);
  const bytes = built('js-hello');
  assert.throws(() => componentImportNames(bytes.subarray(0, 12)), /truncated/);
});
