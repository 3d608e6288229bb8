import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { componentExportNames, isP3Component } from './component-exports.js';

const guest = (name: string) => readFileSync(new URL(`../../../../guest-examples/${name}/dist/${name}.wasm`, import.meta.url));

test('a WASIp3 handler is told from a 0.2 one by its binary exports', () => {
  assert.deepEqual(componentExportNames(guest('wat-p3-stackful')), ['wasi:http/handler@0.3.0']);
  assert.equal(isP3Component(guest('wat-p3-stackful')), true);
  assert.equal(isP3Component(guest('js-hello')), false);
  assert.ok(componentExportNames(guest('js-hello')).some((n) => n.startsWith('wasi:http/incoming-handler@0.2')));
});

test('a core module or non-wasm has no component exports', () => {
  assert.deepEqual(componentExportNames(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), []);
});
