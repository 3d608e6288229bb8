import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionTolerant } from './index.js';

test('any 0.2.x patch version finds the one implementation, side by side too', () => {
  const streams = { InputStream: class {} };
  const imports = versionTolerant({ 'wasi:io/streams': streams });
  assert.equal(imports['wasi:io/streams'], streams);
  assert.equal(imports['wasi:io/streams@0.2.3'], streams);
  assert.equal(imports['wasi:io/streams@0.2.12'], streams);
});

test('an interface we do not offer instantiates, and fails clearly when called', () => {
  const imports = versionTolerant({});
  const sockets = imports['wasi:sockets/tcp@0.2.3'] as Record<string, () => void>;
  assert.equal(typeof sockets.TcpSocket, 'function');
  assert.throws(() => sockets.createTcpSocket(), /spin-ts does not support wasi:sockets\/tcp@0\.2\.3 \(createTcpSocket\) yet/);
});
