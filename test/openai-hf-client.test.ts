/**
 * `spin-ts models serve` driven by Hugging Face's own client, `@huggingface/inference`, pointed
 * at it with `endpointUrl` (no network: the client then posts straight to that URL). Its
 * chatCompletion posts to <endpointUrl>/v1/chat/completions with the endpoint URL itself as
 * `model`; its featureExtraction posts {"inputs"} to the endpoint URL.
 * Models: p (tiny-predictable, a template concatenating the messages: "a" → "bcd…"), bert.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InferenceClient } from '@huggingface/inference';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
const hf = new InferenceClient('sk-local');

before(async () => {
  const dir = await tempDir('spin-ts-hf-client-');
  const p = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  const bert = (await generateModel('tiny-bert', join(dir, 'bert.gguf'))).path;
  await writeFile(
    join(dir, 'rc.toml'),
    `[llm_models.p]\npath = "${p}"\nchat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"\n\n[llm_models.bert]\npath = "${bert}"\nkind = "embedding"\n`,
  );
  server = await startModelsServe(['--runtime-config-file', join(dir, 'rc.toml'), '--gpu', 'cpu', '--llm-threads', '1'], { cwd: dir });
});

after(async () => {
  await server?.stop();
});

test('chatCompletion with endpointUrl <origin>/models/p: the model comes from the URL', async () => {
  const r = await hf.chatCompletion({ endpointUrl: `${server.url}/models/p`, messages: [{ role: 'user', content: 'a' }], max_tokens: 3, temperature: 0 });
  assert.equal(r.choices[0]!.message.content, 'bcd');
});

test('chatCompletionStream, streamed the same way', async () => {
  let text = '';
  for await (const chunk of hf.chatCompletionStream({
    endpointUrl: `${server.url}/models/p`,
    messages: [{ role: 'user', content: 'a' }],
    max_tokens: 4,
    temperature: 0,
  }))
    text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'bcde');
});

test('featureExtraction on the HF paths, and on the server itself (one embedding model served)', async () => {
  const viaPipeline = await hf.featureExtraction({ endpointUrl: `${server.url}/models/bert/pipeline/feature-extraction`, inputs: 'hello' });
  const viaOld = await hf.featureExtraction({ endpointUrl: `${server.url}/pipeline/feature-extraction/bert`, inputs: 'hello' });
  const viaRoot = await hf.featureExtraction({ endpointUrl: server.url, inputs: ['hello', 'world'] });
  assert.ok(Array.isArray(viaPipeline) && viaPipeline.length > 0 && typeof viaPipeline[0] === 'number');
  assert.deepEqual(viaOld, viaPipeline);
  assert.equal(viaRoot.length, 2);
  assert.deepEqual(viaRoot[0], viaPipeline);
});
