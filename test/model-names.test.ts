/**
 * Model-table names become directory names (`<state>/ai-models/<name>/` for a `source` URL), so a
 * name that is not one safe path segment is refused when the runtime config is read, before any
 * download: an attacker's `[llm_models."../../x"]` must not make `models pull` write outside the
 * state directory, and `models serve` must not start on it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from './support/spin.js';

let dir: string;
let origin: string;
let server: Server;
let requests = 0;

before(async () => {
  dir = await tempDir('spin-ts-model-names-');
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-length': '4' }).end('GGUF');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function config(file: string, name: string): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, `[llm_models.${JSON.stringify(name)}]\nsource = "${origin}/x.gguf"\n`);
  return path;
}

const RULE = /only letters, digits, '\.', '_' and '-'/;

describe('model-table names', () => {
  test('models pull refuses "../../x" naming the model and the rule, and writes nothing outside the state dir', async () => {
    // <dir>/a/state/ai-models/../../x → <dir>/a/x
    const state = join(dir, 'a', 'state');
    const r = await runCli(['models', 'pull', '--runtime-config-file', await config('dots.toml', '../../x'), '--state-dir', state]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /llm_models\."\.\.\/\.\.\/x"/);
    assert.match(r.stderr, RULE);
    assert.equal(existsSync(join(dir, 'a', 'x')), false, 'nothing written outside the state dir');
    assert.equal(existsSync(join(dir, 'a')), false);
    assert.equal(requests, 0, 'no download was started');
  });

  test('names with a separator, a leading dot or a space are refused; models serve does not start', async () => {
    for (const [i, name] of ['a/b', 'a\\b', '.hidden', '..', 'with space', ''].entries()) {
      const r = await runCli(
        ['models', 'serve', '--listen', '127.0.0.1:0', '--runtime-config-file', await config(`bad${i}.toml`, name), '--state-dir', join(dir, `s${i}`)],
        {
          timeoutMs: 30_000,
        },
      );
      assert.equal(r.code, 1, `${JSON.stringify(name)}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, RULE, JSON.stringify(name));
    }
    assert.equal(requests, 0);
  });

  test('ordinary names still pull', async () => {
    const state = join(dir, 'ok-state');
    const r = await runCli(['models', 'pull', '--runtime-config-file', await config('ok.toml', 'llama-3.1_8b'), '--state-dir', state]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await readdir(join(state, 'ai-models')), ['llama-3.1_8b']);
  });
});
