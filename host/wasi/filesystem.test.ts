/** The read-only preopen a component gets: exactly its `files` mounts, nothing else of the host. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Descriptor, filesystemImports } from './filesystem.js';

async function fixture() {
  const root = await mkdtemp(join(tmpdir(), 'spin-ts-fs-'));
  await mkdir(join(root, 'static', 'css'), { recursive: true });
  await writeFile(join(root, 'static', 'index.html'), '<h1>hi</h1>');
  await writeFile(join(root, 'static', 'css', 'site.css'), 'body{}');
  await writeFile(join(root, 'single.txt'), 'one file');
  await writeFile(join(root, 'secret.txt'), 'not mounted');
  await symlink(join(root, 'secret.txt'), join(root, 'static', 'escape.txt'));
  const fs = filesystemImports([
    { source: join(root, 'static'), destination: '/assets', isDirectory: true },
    { source: join(root, 'single.txt'), destination: '/data/single.txt', isDirectory: false },
  ]);
  const [[dir, path]] = (fs['wasi:filesystem/preopens'] as { getDirectories(): Array<[Descriptor, string]> }).getDirectories();
  return { dir, path };
}

const errorCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { payload?: unknown }).payload;
  }
  return 'no error';
};

test('one preopen "/" showing exactly the mounts', async () => {
  const { dir, path } = await fixture();
  assert.equal(path, '/');
  const names = (s: { readDirectoryEntry(): { name: string } | undefined }) => {
    const out: string[] = [];
    for (let e = s.readDirectoryEntry(); e; e = s.readDirectoryEntry()) out.push(e.name);
    return out.sort();
  };
  assert.deepEqual(names(dir.readDirectory()), ['assets', 'data']);
  // escape.txt is a symlink out of the mount: listings leave it out (docs/files.md).
  assert.deepEqual(names(dir.openAt({}, 'assets', { directory: true }, { read: true }).readDirectory()), ['css', 'index.html']);
});

test('files read through streams and positional reads', async () => {
  const { dir } = await fixture();
  const f = dir.openAt({}, 'assets/index.html', {}, { read: true });
  assert.equal(f.getType(), 'regular-file');
  assert.equal(f.stat().size, 11n);
  assert.equal(new TextDecoder().decode(f.readViaStream(0n).read(100n)), '<h1>hi</h1>');
  const [bytes, eof] = f.read(4n, 4n);
  assert.equal(new TextDecoder().decode(bytes), 'hi</');
  assert.equal(eof, false);
  const single = dir.openAt({}, 'data/single.txt', {}, { read: true });
  assert.equal(new TextDecoder().decode(single.read(100n, 0n)[0]), 'one file');
  assert.equal(dir.statAt({}, 'assets/css/site.css').size, 6n);
});

test('nothing outside the mounts is reachable, and nothing can be written', async () => {
  const { dir } = await fixture();
  assert.equal(
    errorCode(() => dir.openAt({}, '../secret.txt', {}, { read: true })),
    'not-permitted',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'assets/../../secret.txt', {}, { read: true })),
    'not-permitted',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, '/etc/passwd', {}, { read: true })),
    'not-permitted',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'assets/escape.txt', {}, { read: true })),
    'not-permitted',
    'a symlink out of the mount',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'secret.txt', {}, { read: true })),
    'no-entry',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'assets/new.txt', { create: true }, { write: true })),
    'read-only',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'assets/index.html', {}, { write: true })),
    'read-only',
  );
  assert.equal(
    errorCode(() => dir.unlinkFileAt()),
    'read-only',
  );
});

test('a component without files gets no preopen at all', () => {
  const fs = filesystemImports([]);
  assert.deepEqual((fs['wasi:filesystem/preopens'] as { getDirectories(): unknown[] }).getDirectories(), []);
});

test('a directory mounted at "/" confines its top-level symlinks to the directory too', async () => {
  const root = await mkdtemp(join(tmpdir(), 'spin-ts-fs-'));
  await mkdir(join(root, 'assets', 'sub'), { recursive: true });
  await writeFile(join(root, 'assets', 'ok.txt'), 'ok');
  await writeFile(join(root, 'outside.txt'), 'secret');
  await symlink(join(root, 'outside.txt'), join(root, 'assets', 'pw'));
  await symlink(root, join(root, 'assets', 'up'));
  await symlink('ok.txt', join(root, 'assets', 'alias.txt'));
  const fs = filesystemImports([{ source: join(root, 'assets'), destination: '/', isDirectory: true }]);
  const [[dir]] = (fs['wasi:filesystem/preopens'] as { getDirectories(): Array<[Descriptor, string]> }).getDirectories();
  assert.equal(
    errorCode(() => dir.openAt({}, 'pw', {}, { read: true })),
    'not-permitted',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'up', { directory: true }, { read: true })),
    'not-permitted',
  );
  assert.equal(
    errorCode(() => dir.statAt({}, 'pw')),
    'not-permitted',
  );
  assert.equal(new TextDecoder().decode(dir.openAt({}, 'alias.txt', {}, { read: true }).read(10n, 0n)[0]), 'ok');
  const listed: Array<{ name: string; type: string }> = [];
  const s = dir.readDirectory();
  for (let e = s.readDirectoryEntry(); e; e = s.readDirectoryEntry()) listed.push(e);
  assert.deepEqual(
    listed.sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'alias.txt', type: 'regular-file' },
      { name: 'ok.txt', type: 'regular-file' },
      { name: 'sub', type: 'directory' },
    ],
  );
});

test('a file swapped for a symlink after it was opened is refused at the next read', async () => {
  const root = await mkdtemp(join(tmpdir(), 'spin-ts-fs-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'assets', 'a.txt'), 'inside');
  await writeFile(join(root, 'outside.txt'), 'secret');
  const fs = filesystemImports([{ source: join(root, 'assets'), destination: '/', isDirectory: true }]);
  const [[dir]] = (fs['wasi:filesystem/preopens'] as { getDirectories(): Array<[Descriptor, string]> }).getDirectories();
  const f = dir.openAt({}, 'a.txt', {}, { read: true });
  assert.equal(new TextDecoder().decode(f.read(10n, 0n)[0]), 'inside');
  await symlink(join(root, 'outside.txt'), join(root, 'assets', 'swap'));
  await rename(join(root, 'assets', 'swap'), join(root, 'assets', 'a.txt'));
  assert.equal(
    errorCode(() => f.read(10n, 0n)),
    'not-permitted',
  );
  assert.equal(
    errorCode(() => dir.openAt({}, 'a.txt', {}, { read: true })),
    'not-permitted',
  );
});
