/**
 * `exclude_files` as Spin applies it (crates/loader/src/local.rs): each file a `files` entry
 * mounts — a `{ source, destination }` directory and a plain directory path included — is
 * matched by its path relative to the application directory, `*` also matching "/". The
 * setting of Spin's own assets test (tests/testcases/assets-test) is the first case: the
 * excluded file must be a 404 for the guest, and listings must not show it.
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

const PROBE = guest('js-files');

const FILES = {
  'static/thisshouldbemounted/1': 'one',
  'static/thisshouldbemounted/2': 'two',
  'static/thisshouldbemounted/thisshouldbeexcluded/4': 'four',
  'static/donotmount/a': 'a',
  'assets/ok.txt': 'ok',
  'assets/secret.txt': 'secret',
  'assets/d/deep.key': 'deep key',
  'assets/d/deep.txt': 'deep',
  'plain/keep.txt': 'keep',
  'plain/drop.txt': 'drop',
};

const component = (id: string, files: string, exclude: string) =>
  `[[trigger.http]]\nroute = "/${id}/..."\ncomponent = "${id}"\n[component.${id}]\nsource = "${PROBE}"\nfiles = ${files}\nexclude_files = ${exclude}\n`;

describe('exclude_files applies to every file an entry mounts, by its path in the app directory', () => {
  let spin: RunningSpin;
  before(async () => {
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "exclude"\n` +
        component(
          'assets-test',
          '[{ source = "static/thisshouldbemounted", destination = "/thisshouldbemounted" }]',
          '["static/thisshouldbemounted/thisshouldbeexcluded/*"]',
        ) +
        component('root', '[{ source = "assets", destination = "/" }]', '["assets/secret.txt", "assets/*.key"]') +
        component('relative-to-source', '[{ source = "assets", destination = "/" }]', '["secret.txt"]') +
        component('plain', '["plain"]', '["plain/drop.txt"]'),
      FILES,
    );
    spin = await startSpin(['-f', manifest], { cwd: dirname(manifest) });
  });
  after(async () => spin?.stop());

  async function probe(id: string, op: 'read' | 'list', path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${spin.url}/${id}/?op=${op}&path=${encodeURIComponent(path)}`);
    return { status: res.status, body: await res.text() };
  }

  test("Spin's assets test: the excluded file is not there, the others are", async () => {
    assert.deepEqual(await probe('assets-test', 'read', 'thisshouldbemounted/1'), { status: 200, body: 'one' });
    assert.deepEqual(await probe('assets-test', 'read', 'thisshouldbemounted/thisshouldbeexcluded/4'), { status: 404, body: 'error:no-entry' });
    assert.deepEqual(await probe('assets-test', 'list', 'thisshouldbemounted'), { status: 200, body: 'regular-file 1\nregular-file 2' });
    assert.deepEqual(await probe('assets-test', 'read', 'donotmount/a'), { status: 404, body: 'error:no-entry' });
  });

  test('a directory mounted at "/": excluded by app path, and "*" crosses "/" as in Spin', async () => {
    assert.deepEqual(await probe('root', 'read', 'ok.txt'), { status: 200, body: 'ok' });
    assert.deepEqual(await probe('root', 'read', 'd/deep.txt'), { status: 200, body: 'deep' });
    assert.deepEqual(await probe('root', 'read', 'secret.txt'), { status: 404, body: 'error:no-entry' });
    assert.deepEqual(await probe('root', 'read', 'd/deep.key'), { status: 404, body: 'error:no-entry' });
    assert.deepEqual(await probe('root', 'list', ''), { status: 200, body: 'directory d\nregular-file ok.txt' });
  });

  test('a pattern relative to the source directory, not the app directory, excludes nothing (as in Spin)', async () => {
    assert.deepEqual(await probe('relative-to-source', 'read', 'secret.txt'), { status: 200, body: 'secret' });
  });

  test('a plain directory path in files', async () => {
    assert.deepEqual(await probe('plain', 'read', 'plain/keep.txt'), { status: 200, body: 'keep' });
    assert.deepEqual(await probe('plain', 'read', 'plain/drop.txt'), { status: 404, body: 'error:no-entry' });
  });
});
