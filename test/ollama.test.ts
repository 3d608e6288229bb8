/**
 * Ollama's API subset on `spin-ts models serve`, driven by the official `ollama` npm client (the
 * requests front ends and local tools send): /api/version, /api/tags, /api/show, /api/chat and
 * /api/generate (streamed NDJSON by default, and stream: false), /api/embed, /api/pull of a
 * model-table source from a local HTTP server; and llama-server's /props and /slots.
 * Model p: tiny-predictable with a template concatenating the messages ("a" → "bcd…", "0" →
 * digits forever); bert: embeddings; fetched: p's file behind a `source` URL, pulled on demand.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ollama } from 'ollama';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

/** The client's ResponseError (not exported): the server's status and its {"error"} text. */
function ollamaError(status: number, message: RegExp) {
  return (e: unknown): boolean => {
    const err = e as { status_code?: number; error?: string };
    return err.status_code === status && message.test(err.error ?? '');
  };
}

let dir: string;
let server: RunningServer;
let files: Server;
let ollama: Ollama;

before(async () => {
  dir = await tempDir('spin-ts-ollama-');
  const p = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  const bert = (await generateModel('tiny-bert', join(dir, 'bert.gguf'))).path;
  const gguf = await readFile(p);
  files = createServer((req, res) => {
    if (req.url !== '/p.gguf') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': gguf.length }).end(gguf);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const template = 'chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"';
  await writeFile(
    join(dir, 'rc.toml'),
    `state_dir = "state"\n\n[llm_models.p]\npath = "${p}"\n${template}\n\n[llm_models.bert]\npath = "${bert}"\nkind = "embedding"\n\n[llm_models.fetched]\nsource = "${origin}/p.gguf"\n${template}\n`,
  );
  server = await startModelsServe(['--runtime-config-file', join(dir, 'rc.toml'), '--gpu', 'cpu', '--llm-threads', '1', '--llm-slots', '2'], { cwd: dir });
  ollama = new Ollama({ host: server.url });
});

after(async () => {
  await server?.stop();
  files?.closeAllConnections();
  await new Promise((r) => files?.close(r));
});

describe('Ollama API', () => {
  test('version, tags and show', async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/);
    const tags = await ollama.list();
    assert.deepEqual(tags.models.map((m) => m.name).sort(), ['bert', 'fetched', 'p']);
    const p = tags.models.find((m) => m.name === 'p')!;
    assert.ok(p.size > 0);
    assert.equal(p.details.format, 'gguf');
    assert.ok(!Number.isNaN(Date.parse(p.modified_at as unknown as string)));
    const shown = await ollama.show({ model: 'p' });
    assert.ok(shown.capabilities.includes('completion'));
    assert.deepEqual((await ollama.show({ model: 'bert' })).capabilities, ['embedding']);
  });

  test('chat, not streamed: options.num_predict and temperature apply; counts and durations are reported', async () => {
    const r = await ollama.chat({ model: 'p', messages: [{ role: 'user', content: 'a' }], stream: false, options: { temperature: 0, num_predict: 3 } });
    assert.equal(r.message.role, 'assistant');
    assert.equal(r.message.content, 'bcd');
    assert.equal(r.done, true);
    assert.equal(r.done_reason, 'length');
    assert.equal(r.eval_count, 3);
    assert.ok(r.prompt_eval_count > 0);
    assert.ok(r.total_duration > 0);
  });

  test('chat streams NDJSON by default, ending with a done line', async () => {
    const stream = await ollama.chat({
      model: 'p:latest',
      messages: [{ role: 'user', content: 'a' }],
      stream: true,
      options: { temperature: 0, num_predict: 5 },
    });
    let text = '';
    let last;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    assert.equal(text, 'bcdef');
    assert.equal(last?.done, true);
    assert.equal(last?.eval_count, 5);
  });

  test('the raw stream is application/x-ndjson, one JSON object a line', async () => {
    const res = await fetch(`${server.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'p', prompt: 'a', options: { temperature: 0, num_predict: 2 } }),
    });
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.response),
      ['b', 'c', ''],
    );
    assert.equal(lines.at(-1).done, true);
  });

  test('generate: stream false, raw and system', async () => {
    const r = await ollama.generate({ model: 'p', prompt: 'a', stream: false, options: { temperature: 0, num_predict: 4 } });
    assert.equal(r.response, 'bcde');
    assert.equal(r.done, true);
    const raw = await ollama.generate({ model: 'p', prompt: 'x', raw: true, stream: false, options: { temperature: 0, num_predict: 2 } });
    assert.equal(raw.response, 'yz');
    const withSystem = await ollama.generate({ model: 'p', system: 'q', prompt: 'a', stream: false, options: { temperature: 0, num_predict: 2 } });
    assert.equal(withSystem.response, 'bc');
  });

  test('ps lists the loaded models', async () => {
    const loaded = await ollama.ps();
    assert.ok(loaded.models.some((m) => m.name === 'p'));
  });

  test('embed: one vector per input; /api/embeddings (older) one', async () => {
    const r = await ollama.embed({ model: 'bert', input: ['hello', 'world'] });
    assert.equal(r.embeddings.length, 2);
    assert.ok(r.embeddings[0]!.length > 0);
    const old = await ollama.embeddings({ model: 'bert', prompt: 'hello' });
    assert.equal(old.embedding.length, r.embeddings[0]!.length);
  });

  test('errors are Ollama\'s: an unknown model is a 404 "not found, try pulling it first", a bad option a 400', async () => {
    await assert.rejects(
      ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'a' }], stream: false }),
      ollamaError(404, /model "llama3" not found, try pulling it first/),
    );
    await assert.rejects(ollama.generate({ model: 'p', prompt: 'a', stream: false, options: { bogus: 1 } as never }), ollamaError(400, /options\.bogus/));
  });

  test('pull downloads a model-table source into the state dir, then it answers', async () => {
    const dest = join(dir, 'state', 'ai-models', 'fetched', 'p.gguf');
    assert.equal(existsSync(dest), false);
    const statuses: string[] = [];
    for await (const s of await ollama.pull({ model: 'fetched', stream: true })) statuses.push(s.status);
    assert.equal(statuses.at(-1), 'success');
    assert.equal(existsSync(dest), true);
    assert.equal((await ollama.pull({ model: 'fetched', stream: false })).status, 'success');
    const r = await ollama.generate({ model: 'fetched', prompt: 'a', stream: false, options: { temperature: 0, num_predict: 2 } });
    assert.equal(r.response, 'bc');
    await assert.rejects(ollama.pull({ model: 'nope', stream: false }), ollamaError(404, /not in the model table/));
  });
});

describe("llama-server's /props and /slots", () => {
  test('/props names the model and the slots; ?model= picks one', async () => {
    const props = (await (await fetch(`${server.url}/props`)).json()) as Record<string, any>;
    assert.equal(props.total_slots, 2);
    assert.equal(typeof props.default_generation_settings.n_ctx, 'number');
    assert.equal(props.default_generation_settings.params.n_predict, -1);
    assert.equal((await fetch(`${server.url}/props?model=nope`)).status, 404);
    const bert = (await (await fetch(`${server.url}/props?model=bert`)).json()) as Record<string, any>;
    assert.equal(bert.model_alias, 'bert');
  });

  test('/slots lists each slot, busy while a request runs', async () => {
    const running = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: '0' }], temperature: 0, max_tokens: 900, stream: true }),
    });
    const res = await running;
    const reader = res.body!.getReader();
    // a generated digit has arrived: the request holds a slot
    let seen = '';
    while (!/"content":"\d/.test(seen)) {
      const { done, value } = await reader.read();
      assert.ok(!done, `the stream ended before a digit: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    const slots = (await (await fetch(`${server.url}/slots?model=p`)).json()) as { id: number; is_processing: boolean }[];
    assert.deepEqual(
      slots.map((s) => s.id),
      [0, 1],
    );
    assert.equal(slots.filter((s) => s.is_processing).length, 1);
    await reader.cancel();
  });
});
