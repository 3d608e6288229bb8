/**
 * The `files` escapes of issue #8, tried as an attacker would: a real `spin-ts up`, the
 * js-files probe guest reading and listing over real HTTP, symlinks planted in the app
 * directory that lead outside it. The rule they pin is docs/files.md.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guest, runCli, startSpin, tempDir, type RunningSpin } from './support/spin.js';

const PROBE = guest('js-files');
const SECRET = 'TOP-SECRET-OUTSIDE-THE-APP';

/** A directory outside the app: what every planted link points at. */
async function makeOutside(): Promise<string> {
  const outside = await tempDir('spin-ts-outside-');
  await mkdir(join(outside, 'etc'));
  await writeFile(join(outside, 'secret.txt'), SECRET);
  await writeFile(join(outside, 'etc', 'passwd'), `root:${SECRET}\n`);
  return outside;
}

/**
 * The app directory: assets/ holds a normal file, links that stay inside, and at depth
 * 0, 1 and 2 a link to a file outside (pw) and to a directory outside (etcdir).
 */
async function makeApp(outside: string, toml: string): Promise<string> {
  const dir = await tempDir('spin-ts-files-app-');
  await mkdir(join(dir, 'assets', 'd1', 'd2'), { recursive: true });
  await writeFile(join(dir, 'assets', 'ok.txt'), 'legit');
  await writeFile(join(dir, 'assets', 'swap.txt'), 'before the swap');
  await writeFile(join(dir, 'assets', 'd1', 'd2', 'deep.txt'), 'deep legit');
  await symlink('ok.txt', join(dir, 'assets', 'alias.txt'));
  await symlink('../ok.txt', join(dir, 'assets', 'd1', 'inside.txt'));
  await writeFile(join(dir, 'app-secret.txt'), 'in the app, not in assets');
  await symlink('../app-secret.txt', join(dir, 'assets', 'sibling.txt'));
  for (const sub of ['', 'd1', 'd1/d2']) {
    await symlink(join(outside, 'secret.txt'), join(dir, 'assets', sub, 'pw'));
    await symlink(join(outside, 'etc'), join(dir, 'assets', sub, 'etcdir'));
  }
  await symlink('/etc/passwd', join(dir, 'assets', 'realpw'));
  await symlink(join(outside, 'etc'), join(dir, 'linkdir'));
  await writeFile(join(dir, 'spin.toml'), toml);
  return dir;
}

const v2 = (components: Record<string, string>) =>
  `spin_manifest_version = 2\n[application]\nname = "files-attack"\n` +
  Object.entries(components)
    .map(([id, files]) => `[[trigger.http]]\nroute = "/${id}/..."\ncomponent = "${id}"\n[component.${id}]\nsource = "${PROBE}"\nfiles = ${files}\n`)
    .join('');

describe('a guest reaches exactly its files, never a symlink out of the app directory', () => {
  let spin: RunningSpin;
  let dir: string;
  let outside: string;

  before(async () => {
    outside = await makeOutside();
    dir = await makeApp(
      outside,
      v2({
        root: '[{ source = "assets", destination = "/" }]',
        mounted: '[{ source = "assets", destination = "/mnt" }]',
        glob: '["assets/**/*"]',
        everything: '["**/*"]',
      }),
    );
    spin = await startSpin(['-f', join(dir, 'spin.toml')]);
  });
  after(async () => spin?.stop());

  async function probe(component: string, op: 'read' | 'list', path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${spin.url}/${component}/?op=${op}&path=${encodeURIComponent(path)}`);
    const body = await res.text();
    assert.ok(!body.includes(SECRET) && !body.includes('root:x:0:0'), `${component} ${op} ${path} leaked: ${body}`);
    return { status: res.status, body };
  }

  async function refused(component: string, op: 'read' | 'list', path: string, code: string): Promise<void> {
    assert.deepEqual(await probe(component, op, path), { status: 404, body: `error:${code}` }, `${component} ${op} ${path}`);
  }

  async function reads(component: string, path: string, text: string): Promise<void> {
    assert.deepEqual(await probe(component, 'read', path), { status: 200, body: text }, `${component} read ${path}`);
  }

  async function lists(component: string, path: string, lines: string[]): Promise<void> {
    assert.deepEqual(await probe(component, 'list', path), { status: 200, body: lines.join('\n') }, `${component} list ${path}`);
  }

  test('legitimate files still read: a normal file and links that stay inside the mount', async () => {
    await reads('root', 'ok.txt', 'legit');
    await reads('root', 'alias.txt', 'legit');
    await reads('root', 'd1/inside.txt', 'legit');
    await reads('root', 'd1/d2/deep.txt', 'deep legit');
    await reads('mounted', 'mnt/alias.txt', 'legit');
    await reads('glob', 'assets/alias.txt', 'legit');
    await reads('glob', 'assets/d1/inside.txt', 'legit');
    await reads('everything', 'assets/d1/d2/deep.txt', 'deep legit');
    // Under "**/*" the whole app directory is the entry, so a link to elsewhere in it is fine.
    await reads('everything', 'assets/sibling.txt', 'in the app, not in assets');
  });

  test('a directory mounted at "/": links out are refused at depth 0, 1 and 2', async () => {
    for (const at of ['', 'd1/', 'd1/d2/']) {
      await refused('root', 'read', `${at}pw`, 'not-permitted');
      await refused('root', 'read', `${at}etcdir/passwd`, 'not-permitted');
      await refused('root', 'list', `${at}etcdir`, 'not-permitted');
    }
    await refused('root', 'read', 'realpw', 'not-permitted');
    // A link to elsewhere in the app is outside what the entry names, too.
    await refused('root', 'read', 'sibling.txt', 'not-permitted');
  });

  test('a directory mounted below "/": links out are refused at depth 0, 1 and 2', async () => {
    for (const at of ['', 'd1/', 'd1/d2/']) {
      await refused('mounted', 'read', `mnt/${at}pw`, 'not-permitted');
      await refused('mounted', 'read', `mnt/${at}etcdir/passwd`, 'not-permitted');
      await refused('mounted', 'list', `mnt/${at}etcdir`, 'not-permitted');
    }
  });

  test('globs leave out what a symlink leads to outside their directory', async () => {
    for (const at of ['', 'd1/', 'd1/d2/']) {
      await refused('glob', 'read', `assets/${at}pw`, 'no-entry');
      await refused('glob', 'read', `assets/${at}etcdir/passwd`, 'no-entry');
    }
    await refused('glob', 'read', 'assets/sibling.txt', 'no-entry');
    await refused('everything', 'read', 'linkdir/passwd', 'no-entry');
    await refused('everything', 'list', 'linkdir', 'no-entry');
    await refused('everything', 'read', 'assets/realpw', 'no-entry');
  });

  test('listings show only what can be opened, links as what they lead to', async () => {
    const top = ['directory d1', 'regular-file alias.txt', 'regular-file ok.txt', 'regular-file swap.txt'];
    await lists('root', '.', top);
    await lists('mounted', 'mnt', top);
    await lists('root', 'd1', ['directory d2', 'regular-file inside.txt']);
    await lists('root', 'd1/d2', ['regular-file deep.txt']);
    await lists('glob', 'assets', ['directory d1', 'regular-file alias.txt', 'regular-file ok.txt', 'regular-file swap.txt']);
    const everything = (await probe('everything', 'list', '.')).body.split('\n');
    assert.deepEqual(everything, ['directory assets', 'regular-file app-secret.txt', 'regular-file spin.toml']);
  });

  test('a file swapped for a symlink after start is refused at the next open', async () => {
    await reads('root', 'swap.txt', 'before the swap');
    await reads('glob', 'assets/swap.txt', 'before the swap');
    await symlink(join(outside, 'secret.txt'), join(dir, 'assets', 'swap.tmp'));
    await rename(join(dir, 'assets', 'swap.tmp'), join(dir, 'assets', 'swap.txt'));
    await refused('root', 'read', 'swap.txt', 'not-permitted');
    await refused('mounted', 'read', 'mnt/swap.txt', 'not-permitted');
    await refused('glob', 'read', 'assets/swap.txt', 'not-permitted');
    // A directory swapped for a link out is refused as well.
    await rename(join(dir, 'assets', 'd1'), join(dir, 'd1-moved'));
    await symlink(join(outside, 'etc'), join(dir, 'assets', 'd1'));
    await refused('root', 'list', 'd1', 'not-permitted');
    await refused('root', 'read', 'd1/passwd', 'not-permitted');
    assert.equal(await readFile(join(dir, 'assets', 'ok.txt'), 'utf8'), 'legit');
  });
});

describe('entries that name something outside the app directory stop `spin-ts up`', () => {
  let outside: string;
  before(async () => {
    outside = await makeOutside();
  });

  async function upFails(files: string, field: RegExp, problem: RegExp): Promise<void> {
    const dir = await makeApp(outside, v2({ probe: files }));
    const r = await runCli(['up', '-f', join(dir, 'spin.toml'), '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, /spin\.toml/, 'names the file');
    assert.match(r.stderr, field, 'names the field');
    assert.match(r.stderr, problem, 'says what is wrong');
    assert.match(r.stderr, /Copy the files into the application directory|relative to the manifest directory/, 'says how to fix it');
    assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  }

  test('{ source = "../x" }', async () => {
    const x = `../${basename(outside)}/secret.txt`;
    await upFails(
      `[{ source = "${x}", destination = "/x" }]`,
      /component\.probe\.files\[0\]\.source/,
      new RegExp(`"\\.\\./${basename(outside)}/secret\\.txt" leads outside the application directory`),
    );
  });

  test('an absolute { source = "/etc" }', () =>
    upFails(
      '[{ source = "/etc", destination = "/etc" }]',
      /component\.probe\.files\[0\]\.source/,
      /"\/etc" leads outside the application directory: it resolves to \/etc/,
    ));

  test('a symlinked source', () =>
    upFails('[{ source = "linkdir", destination = "/x" }]', /component\.probe\.files\[0\]\.source/, /"linkdir" leads outside the application directory/));

  test('a symlinked plain path', () => upFails('["assets/pw"]', /component\.probe\.files\[0\]/, /"assets\/pw" leads outside the application directory/));

  test('a glob through a symlinked directory', () =>
    upFails('["linkdir/**"]', /component\.probe\.files\[0\]/, /the directory "linkdir" of files pattern "linkdir\/\*\*" leads outside/));

  test('a pattern with ".." or an absolute pattern', async () => {
    await upFails('["../*"]', /component\.probe\.files\[0\]/, /must be a relative path inside the application directory/);
    await upFails('["/etc/passwd"]', /component\.probe\.files\[0\]/, /must be a relative path inside the application directory/);
  });
});
