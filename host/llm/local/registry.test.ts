import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LlmError } from '../engine.js';
import { discoverModels, resolveModel, verifySha256 } from './registry.js';
import { sha256File } from './sha256-file.js';

let root: string;
let stateDir: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-registry-'));
  stateDir = join(root, '.spin');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content = 'gguf'): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

describe('resolveModel lookup order', () => {
  test('table, then llama/<name>/, then <name>/, then llama/<name>.gguf', async () => {
    const m = join(stateDir, 'ai-models');
    const flat = await put(join(m, 'llama', 'order.gguf'));
    const opts = { modelTable: {}, stateDir };
    assert.equal((await resolveModel('order', opts))?.path, flat);
    const plain = await put(join(m, 'order', 'plain.gguf'));
    assert.equal((await resolveModel('order', opts))?.path, plain);
    const llamaDir = await put(join(m, 'llama', 'order', 'in-llama-dir.gguf'));
    assert.equal((await resolveModel('order', opts))?.path, llamaDir);
    const table = await put(join(root, 'models', 'table.gguf'));
    const r = await resolveModel('order', {
      stateDir,
      modelTable: { order: { path: table, kind: 'embedding', sha256: 'AB'.repeat(32), contextSize: 512, gpuLayers: 3, chatTemplate: 'llama2' } },
    });
    assert.deepEqual(r, {
      name: 'order',
      path: table,
      kind: 'embedding',
      source: 'model-table',
      sha256: 'ab'.repeat(32),
      chatTemplate: 'llama2',
      contextSize: 512,
      gpuLayers: 3,
    });
    assert.equal((await resolveModel('order', opts))?.source, 'state-dir');
  });

  test('non-.gguf files are ignored; none → undefined', async () => {
    await put(join(stateDir, 'ai-models', 'llama', 'safetensors-only', 'model.safetensors'));
    assert.equal(await resolveModel('safetensors-only', { modelTable: {}, stateDir }), undefined);
    assert.equal(await resolveModel('missing', { modelTable: {}, stateDir }), undefined);
  });

  test('several .gguf files in a model dir is an error naming them', async () => {
    await put(join(stateDir, 'ai-models', 'two', 'a.gguf'));
    await put(join(stateDir, 'ai-models', 'two', 'b.gguf'));
    await assert.rejects(
      resolveModel('two', { modelTable: {}, stateDir }),
      (err: unknown) => err instanceof LlmError && err.kind === 'runtime-error' && /a\.gguf, b\.gguf/.test(err.message),
    );
  });

  test('names that are not plain path components never reach the file system', async () => {
    await put(join(stateDir, 'secret.gguf'));
    for (const name of ['../secret', '..', '.', 'a/b', 'a\\b', '']) {
      assert.equal(await resolveModel(name, { modelTable: {}, stateDir: join(stateDir, 'ai-models', 'llama') }), undefined, name);
    }
  });

  test('discoverModels lists table entries and state-dir models once', async () => {
    const table = await put(join(root, 'models', 'disc.gguf'));
    const found = await discoverModels({ modelTable: { disc: { path: table, kind: 'completion' }, order: { path: table, kind: 'completion' } }, stateDir });
    const names = found.map((f) => `${f.name}:${f.source}`).sort();
    assert.ok(names.includes('disc:model-table'));
    assert.ok(names.includes('order:model-table'));
    assert.ok(!names.some((n) => n.startsWith('missing')));
    assert.ok(!names.some((n) => n.startsWith('two')), 'an ambiguous dir is left out of the listing');
    assert.equal(names.filter((n) => n.startsWith('order:')).length, 1);
  });
});

describe('sha256', () => {
  test('streamed digest matches crypto; a mismatch names the file and both digests', async () => {
    const file = await put(join(root, 'hash', 'm.gguf'), 'some model bytes');
    const want = createHash('sha256').update('some model bytes').digest('hex');
    assert.equal(await sha256File(file), want);
    await verifySha256(file, want.toUpperCase());
    const wrong = '0'.repeat(64);
    await assert.rejects(verifySha256(file, wrong), (err: unknown) => {
      assert.ok(err instanceof LlmError);
      assert.equal(err.kind, 'runtime-error');
      assert.ok(err.message.includes(file));
      assert.ok(err.message.includes(wrong));
      assert.ok(err.message.includes(want));
      return true;
    });
  });
});
