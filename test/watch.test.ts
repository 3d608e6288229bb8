/**
 * `spin-ts watch` through the bin, as `spin watch`: a change to a file the build's `watch`
 * globs name rebuilds and restarts; a change to a component's `files` restarts without a
 * build; other files change nothing; stopping the watcher stops the app.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { guest, spawnUntilServing, writeApp } from './support/spin.js';

const HELLO = guest('js-hello');

const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

async function until(fn: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.ok(fn(), what);
}

test('spin-ts watch: build globs rebuild and restart, files restart, other files do nothing, SIGTERM stops the app', async () => {
  const manifest = await writeApp(
    `spin_manifest_version = 2
[application]
name = "watched"
[[trigger.http]]
route = "/..."
component = "hello"
[component.hello]
source = "out/hello.wasm"
files = [{ source = "static", destination = "/static" }]
[component.hello.build]
command = "mkdir -p out && cp '${HELLO}' out/hello.wasm && echo built >> builds.log"
watch = ["src/**/*.txt"]
`,
    { 'src/msg.txt': 'one', 'static/a.txt': 'a', 'notes.md': 'n' },
  );
  const dir = join(manifest, '..');
  const builds = () => count(readFileSync(join(dir, 'builds.log'), 'utf8'), /built/g);
  const watch = await spawnUntilServing(
    ['watch', '-f', manifest, '--debounce', '50', '--', '--listen', '127.0.0.1:0'],
    /Serving (http:\/\/[^\s]+)/,
    'spin-ts watch',
  );
  const servings = () => count(watch.output(), /Serving http/g);
  try {
    assert.equal(builds(), 1);
    assert.equal((await fetch(`${watch.url}/`)).status, 200);

    await writeFile(join(dir, 'src', 'msg.txt'), 'two');
    await until(() => servings() === 2, `a build glob change restarts the app:\n${watch.output()}`);
    assert.equal(builds(), 2);
    assert.match(watch.output(), /Building component hello/);

    await writeFile(join(dir, 'static', 'a.txt'), 'b');
    await until(() => servings() === 3, `a files change restarts the app:\n${watch.output()}`);
    assert.equal(builds(), 2, 'a files change does not rebuild');

    await writeFile(join(dir, 'notes.md'), 'changed');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(servings(), 3, 'an unwatched file changes nothing');
    const last = /Serving (http:\/\/[^\s]+)/g;
    let url = watch.url;
    for (const m of watch.output().matchAll(last)) url = m[1]!;
    assert.equal((await fetch(`${url}/`)).status, 200);

    await watch.stop();
    await assert.rejects(fetch(`${url}/`), 'the app stops with the watcher');
  } finally {
    await watch.stop();
  }
});
