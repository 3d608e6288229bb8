/**
 * The old-libc warning (host/components/wasi-libc-bug.ts) is said once per module, not once
 * per component: an app whose components share one module gets one line for it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { startSpin, writeApp } from './support/spin.js';

const oldCommand = (clang: string) => `(module (@producers (processed-by "Debian clang" "${clang}")) (memory (export "memory") 1) (func (export "_start")))`;

test('three components on one old-libc module and one on another: two warnings, one per module', async () => {
  const components = [
    ['a', 'old.wasm'],
    ['b', 'old.wasm'],
    ['c', 'old.wasm'],
    ['d', 'older.wasm'],
  ];
  const manifest = await writeApp(
    `spin_manifest_version = 2\n[application]\nname = "x"\n` +
      components
        .map(([id, src]) => `[[trigger.http]]\nroute = "/${id}"\ncomponent = "${id}"\nexecutor = { type = "wagi" }\n[component.${id}]\nsource = "${src}"\n`)
        .join(''),
  );
  const { parse } = await import('@bytecodealliance/jco');
  await writeFile(join(dirname(manifest), 'old.wasm'), await parse(oldCommand('14.0.6')));
  await writeFile(join(dirname(manifest), 'older.wasm'), await parse(oldCommand('13.0.1')));
  const spin = await startSpin(['-f', manifest]);
  try {
    const warnings = spin
      .output()
      .split('\n')
      .filter((l) => /warning: .* \(wasi-libc #377\)/.test(l));
    assert.equal(warnings.length, 2, spin.output());
    assert.match(warnings[0]!, /^component a: warning: old\.wasm was built with Debian clang 14\.0\.6/);
    assert.match(warnings[1]!, /^component d: warning: older\.wasm was built with Debian clang 13\.0\.1/);
  } finally {
    await spin.stop();
  }
});
