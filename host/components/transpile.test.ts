import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseCandidateNames } from './transpile.js';

const OCT = '0.2.0-rc-2023-10-18';
const NOV = '0.2.0-rc-2023-11-10';

test('jco is told to keep a release candidate in the import name, and only where the binary imports one version of it', () => {
  assert.deepEqual(releaseCandidateNames([`wasi:http/types@${OCT}`, 'wasi:cli/stdout@0.2.3', 'fermyon:spin/llm@2.0.0']), {
    'wasi:http/types': `wasi:http/types@${OCT}`,
  });
  // two versions side by side: left to jco
  assert.deepEqual(releaseCandidateNames([`wasi:io/streams@${NOV}`, 'wasi:io/streams@0.2.0']), {});
});
