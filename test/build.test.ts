/** `spin-ts build` and `up --build`: each component's command runs in its workdir; a failure names the component. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { guest, runCli, startSpin, writeApp } from './support/spin.js';

const HELLO = guest('js-hello');

describe('spin-ts build', () => {
  test('runs list commands in order in the workdir, then up serves what was built', async () => {
    const manifest = await writeApp(
      `spin_manifest_version = 2
[application]
name = "built"
[[trigger.http]]
route = "/..."
component = "hello"
[component.hello]
source = "sub/out/hello.wasm"
[component.hello.build]
workdir = "sub"
command = ["mkdir -p out && echo one > order.txt", "echo two >> order.txt && cp '${HELLO}' out/hello.wasm"]
`,
      { 'sub/.keep': '' },
    );
    const dir = manifest.replace(/\/spin\.toml$/, '');
    const r = await runCli(['build', '-f', manifest]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Building component hello with `mkdir -p out/);
    assert.match(r.stdout, /Finished building all Spin components/);
    assert.equal(readFileSync(join(dir, 'sub', 'order.txt'), 'utf8'), 'one\ntwo\n');
    assert.ok(existsSync(join(dir, 'sub', 'out', 'hello.wasm')));
    const spin = await startSpin(['-f', manifest]);
    try {
      assert.equal((await fetch(`${spin.url}/`)).status, 200);
    } finally {
      await spin.stop();
    }
  });

  test('up --build builds first', async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "built"
[[trigger.http]]
route = "/..."
component = "hello"
[component.hello]
source = "hello.wasm"
build = { command = "cp '${HELLO}' hello.wasm" }
`);
    const spin = await startSpin(['-f', manifest, '--build']);
    try {
      assert.match(spin.output(), /Building component hello/);
      assert.equal((await fetch(`${spin.url}/`)).status, 200);
    } finally {
      await spin.stop();
    }
  });

  test('a failing command stops with its output and the component named', async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "broken"
[[trigger.http]]
route = "/..."
component = "broken"
[component.broken]
source = "never.wasm"
build = { command = "echo compiler says no >&2; exit 3" }
`);
    const r = await runCli(['build', '-f', manifest]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /compiler says no/);
    assert.match(r.stderr, /component 'broken': build command `echo compiler says no >&2; exit 3` exited with code 3/);
  });

  // finicky-whiskers: `files` names "site/dist", which the build makes (Spin's build reads only
  // the build settings, and its `up` resolves the files).
  test('a files directory the build creates: build runs, then up --build serves its files', async () => {
    const toml = (build: string) => `spin_manifest_version = 2
[application]
name = "site"
[[trigger.http]]
route = "/..."
component = "site"
[component.site]
source = "${guest('js-files')}"
files = [{ source = "site/dist", destination = "/" }]
build = { command = "${build}" }
`;
    const manifest = await writeApp(toml('mkdir -p site/dist && echo built > site/dist/index.html'));
    const r = await runCli(['build', '-f', manifest]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Finished building all Spin components/);
    assert.doesNotMatch(r.stdout, /Warning/);

    const fresh = await writeApp(toml('mkdir -p site/dist && echo built > site/dist/index.html'));
    const spin = await startSpin(['-f', fresh, '--build']);
    try {
      const res = await fetch(`${spin.url}/?op=read&path=index.html`);
      assert.equal(await res.text(), 'built\n');
    } finally {
      await spin.stop();
    }
  });

  test('a files directory the build does not create: the build succeeds and warns that up will not start', async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "site"
[[trigger.http]]
route = "/..."
component = "site"
[component.site]
source = "${HELLO}"
files = [{ source = "site/dist", destination = "/" }]
build = { command = "true" }
`);
    const r = await runCli(['build', '-f', manifest]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Warning: `spin-ts up` will not start this app: .*component\.site\.files\[0\]\.source.*files source "site\/dist" does not exist/);
  });

  test('components without a build command are reported and skipped', async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "nobuild"
[[trigger.http]]
route = "/..."
component = "hello"
[component.hello]
source = "${HELLO}"
`);
    const r = await runCli(['build', '-f', manifest]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /hello: no build command/);
  });
});
