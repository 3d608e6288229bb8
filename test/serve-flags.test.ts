/**
 * llama-server's flags on `spin-ts models serve` (issue #27, "Model handling"), through the bin:
 * -m/--model with no model table, -a/--alias, --host/--port, -c/--ctx-size, -np/--parallel,
 * -ngl/--n-gpu-layers (logged as without effect on the CPU), -n/--n-predict, --embedding, and
 * -hf without a file refused with the forms it takes. The model: tiny-predictable ("a" → "bcd…", "0" → digits).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, waitHealthy, type RunningServer } from './support/serve.js';
import { runCli, spawnUntilServing, tempDir } from './support/spin.js';

let dir: string;
let p: string;
let bert: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  dir = await tempDir('spin-ts-serve-flags-');
  p = (await generateModel('tiny-predictable', join(dir, 'predictable.gguf'))).path;
  bert = (await generateModel('tiny-bert', join(dir, 'bert.gguf'))).path;
});

describe('llama-server flags, one server', () => {
  let server: RunningServer;
  let port: number;
  let client: OpenAI;

  before(async () => {
    port = await freePort();
    // cwd is the temp dir, so no ./.spin or runtime config of the repo is found
    server = await spawnUntilServing(
      [
        'models',
        'serve',
        '-m',
        p,
        '--alias',
        'pp',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '-c',
        '256',
        '-np',
        '2',
        '-ngl',
        '3',
        '-n',
        '4',
        '--gpu',
        'cpu',
        '--llm-threads',
        '1',
      ],
      /OpenAI-compatible API: (http:\/\/\S+)\/v1/,
      'models serve',
      { cwd: dir },
    );
    await waitHealthy(server.url);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
  });

  after(async () => {
    await server?.stop();
  });

  test('--host/--port choose the address (no --listen)', () => {
    assert.equal(server.url, `http://127.0.0.1:${port}`);
  });

  test('-m serves the file with no model table, under --alias', async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['pp'],
    );
    const r = await client.completions.create({ model: 'pp', prompt: 'a', max_tokens: 3, temperature: 0 });
    assert.equal(r.choices[0]!.text, 'bcd');
  });

  test('-n caps a request that sets no limit', async () => {
    const r = await client.completions.create({ model: 'pp', prompt: '0', temperature: 0 });
    assert.equal(r.usage?.completion_tokens, 4);
  });

  test('-c sets the context and -np the slots (the load log line), /props reports both', async () => {
    assert.match(server.output(), /context for 'pp': 2 slots.* × 256 tokens/);
    const props = (await (await fetch(`${server.url}/props`)).json()) as {
      total_slots: number;
      default_generation_settings: { n_ctx: number; params: { n_predict: number } };
    };
    assert.equal(props.total_slots, 2);
    assert.equal(props.default_generation_settings.n_ctx, 256);
    assert.equal(props.default_generation_settings.params.n_predict, 4);
  });

  test('-ngl is accepted; on the CPU the log says it has no effect', () => {
    assert.match(server.output(), /-ngl\/--n-gpu-layers 3: no effect, llama\.cpp runs on the CPU/);
  });
});

describe('other flags', () => {
  test('-m with --embedding serves an embedding model named by its file stem', async () => {
    const server = await startModelsServe(['-m', bert, '--embeddings', '--gpu', 'cpu', '--llm-threads', '1'], { cwd: dir });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const r = await client.embeddings.create({ model: 'bert', input: 'hello' });
      assert.ok(r.data[0]!.embedding.length > 0);
    } finally {
      await server.stop();
    }
  });

  test('-hf without a file is refused, saying the forms it takes (downloads: model-sources-hf.test.ts)', async () => {
    const r = await runCli(['models', 'serve', '-hf', 'ggml-org/gemma-3-1b-it-GGUF', '--listen', '127.0.0.1:0'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /-hf\/--hf-repo: .*names no file: give -hf <user>\/<repo>\/<file>\.gguf, or -hf <user>\/<repo> -hff <file>\.gguf/s);
  });

  test('-m of a missing file, and --alias without -m, are errors naming the flag', async () => {
    const missing = await runCli(['models', 'serve', '-m', join(dir, 'nope.gguf'), '--listen', '127.0.0.1:0', '--gpu', 'cpu'], { cwd: dir });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /-m\/--model: no file .*nope\.gguf/);
    const alias = await runCli(['models', 'serve', '--alias', 'x', '--listen', '127.0.0.1:0', '--gpu', 'cpu'], { cwd: dir });
    assert.notEqual(alias.code, 0);
    assert.match(alias.stderr, /--alias names the model given with -m/);
  });
});
