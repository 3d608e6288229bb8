import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasiInterfaces } from '../../wasi/index.js';
import { missingImports } from '../../components/imports.js';
import { detectHttpInterface } from './detect.js';

const RC_NOV = '0.2.0-rc-2023-11-10';
const RC_OCT = '0.2.0-rc-2023-10-18';

test('wasi:http 0.2.x and the rc-2023-11-10 release candidate are served as wasi:http', () => {
  assert.equal(detectHttpInterface('a', ['wasi:http/incoming-handler@0.2.3']), 'wasi-http');
  assert.equal(detectHttpInterface('a', ['wasi:http/incoming-handler@0.2.0']), 'wasi-http');
  assert.equal(detectHttpInterface('a', [`wasi:http/incoming-handler@${RC_NOV}`]), 'wasi-http');
  // and the host provides that candidate's WASI imports (the 0.2 implementations)
  const provided = new Set(wasiInterfaces());
  const imports = ['wasi:io/poll', 'wasi:io/streams', 'wasi:http/types', 'wasi:clocks/monotonic-clock', 'wasi:cli/stdout'].map((i) => `${i}@${RC_NOV}`);
  assert.deepEqual(missingImports(imports, provided), []);
});

test("Spin 2.0's rc-2023-10-18 is refused naming the export and why, not as a non-HTTP component", () => {
  assert.throws(
    () => detectHttpInterface('old', [`wasi:http/incoming-handler@${RC_OCT}`]),
    /component 'old'.*exports wasi:http\/incoming-handler@0\.2\.0-rc-2023-10-18, a release candidate of WASI 0\.2 that spin-ts does not serve.*Rebuild it with a toolchain targeting wasi:http@0\.2\.0 or later/,
  );
  // its WASI imports are not taken for 0.2's (their shapes differ)
  assert.deepEqual(missingImports([`wasi:io/poll@${RC_OCT}`], new Set(wasiInterfaces())), [`wasi:io/poll@${RC_OCT}`]);
});

test('wasi:http/handler@0.3.0 and its rc-2026-03-15 spelling are served as WASIp3', () => {
  assert.equal(detectHttpInterface('a', ['wasi:http/handler@0.3.0']), 'wasi-http-p3');
  assert.equal(detectHttpInterface('a', ['wasi:http/handler@0.3.0-rc-2026-03-15', 'exports']), 'wasi-http-p3');
});
