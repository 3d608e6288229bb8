import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasiInterfaces } from '../../wasi/index.js';
import { missingImports } from '../../components/imports.js';
import { detectHttpInterface } from './detect.js';

const RC_NOV = '0.2.0-rc-2023-11-10';
const RC_OCT = '0.2.0-rc-2023-10-18';

test('wasi:http 0.2.x and both release candidates Spin 3 serves are served as wasi:http', () => {
  assert.equal(detectHttpInterface('a', ['wasi:http/incoming-handler@0.2.3']), 'wasi-http');
  assert.equal(detectHttpInterface('a', ['wasi:http/incoming-handler@0.2.0']), 'wasi-http');
  for (const rc of [RC_NOV, RC_OCT]) {
    assert.equal(detectHttpInterface('a', [`wasi:http/incoming-handler@${rc}`]), 'wasi-http');
    // and the host provides each candidate's WASI imports, outbound HTTP included
    const provided = new Set(wasiInterfaces());
    const imports = ['wasi:io/poll', 'wasi:io/streams', 'wasi:http/types', 'wasi:http/outgoing-handler', 'wasi:clocks/monotonic-clock', 'wasi:cli/stdout'].map(
      (i) => `${i}@${rc}`,
    );
    assert.deepEqual(missingImports(imports, provided), []);
  }
});

test('another release candidate is refused naming the export and the versions served, not as a non-HTTP component', () => {
  assert.throws(
    () => detectHttpInterface('old', ['wasi:http/incoming-handler@0.2.0-rc-2023-12-05']),
    /component 'old'.*exports wasi:http\/incoming-handler@0\.2\.0-rc-2023-12-05, a release candidate of WASI 0\.2 that spin-ts does not serve \(it serves wasi:http\/incoming-handler@0\.2\.x, @0\.2\.0-rc-2023-10-18 and @0\.2\.0-rc-2023-11-10\)\. Rebuild it with a toolchain targeting wasi:http@0\.2\.0 or later/,
  );
  // its WASI imports are not taken for 0.2's (nobody checked their shapes)
  assert.deepEqual(missingImports(['wasi:io/poll@0.2.0-rc-2023-12-05'], new Set(wasiInterfaces())), ['wasi:io/poll@0.2.0-rc-2023-12-05']);
});

test('wasi:http/handler@0.3.0 and its rc-2026-03-15 spelling are served as WASIp3', () => {
  assert.equal(detectHttpInterface('a', ['wasi:http/handler@0.3.0']), 'wasi-http-p3');
  assert.equal(detectHttpInterface('a', ['wasi:http/handler@0.3.0-rc-2026-03-15', 'exports']), 'wasi-http-p3');
});
