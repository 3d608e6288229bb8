/**
 * `spin-ts models serve --models-config aikit.yaml` on the example of aikit's inference spec as
 * aikit's documentation gives it (test/fixtures/aikit-seed-003.txt: .txt so that prettier leaves
 * it as written), its source pointed at a loopback server that serves a generated model at the same path, and its sha256 set to that
 * file's. As written, the example's chat_message template writes the system prompt in place of
 * every message (LocalAI renders it so): that is refused at start, naming the cause. Without its
 * system_prompt line it serves: the chat prompt is the one LocalAI builds, the config's sampling
 * settings and context size apply, and what aikit's image build reads (runtime, backends) is logged.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe } from './support/serve.js';
import { REPO, runCli, tempDir } from './support/spin.js';

const FILE_PATH = '/TheBloke/Llama-2-7B-Chat-GGUF/resolve/main/llama-2-7b-chat.Q4_K_M.gguf';
const DOC_SHA = '08a5566d61d7cb6b420c3e4387a39e0078e1f2fe5f055f3a03887385304d4bfa';

let dir: string;
let example: string;
let files: Server;

before(async () => {
  dir = await tempDir('spin-ts-aikit-');
  const gguf = await readFile((await generateModel('tiny-llama', join(dir, 'served', 'm.gguf'))).path);
  files = createServer((req, res) => {
    if (req.url !== FILE_PATH) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': gguf.length }).end(gguf);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const verbatim = await readFile(join(REPO, 'test', 'fixtures', 'aikit-seed-003.txt'), 'utf8');
  assert.ok(verbatim.includes(`https://huggingface.co${FILE_PATH}`) && verbatim.includes(DOC_SHA));
  // only the download moves: the same path on a loopback origin, and the served file's digest
  example = verbatim.replace('https://huggingface.co', origin).replace(DOC_SHA, createHash('sha256').update(gguf).digest('hex'));
});

after(async () => {
  files.closeAllConnections();
  await new Promise((r) => files.close(r));
});

async function specFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('aikit specs', () => {
  test('the example as written: refused at start, naming the config, system_prompt and the construct', async () => {
    const file = await specFile('as-written.yaml', example);
    const r = await runCli(['models', 'serve', '--models-config', file, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state-1'), '--gpu', 'cpu']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /as-written\.yaml: config\[0\]\.template: the chat prompt it builds leaves out the content of system and user messages/);
    assert.match(r.stderr, /while system_prompt is set, \{\{if \.SystemPrompt\}\}\{\{\.SystemPrompt\}\}… writes the system prompt in place of each message/);
  });

  test('without its system_prompt line: served as LocalAI builds the prompt, with the config applied', async () => {
    const file = await specFile('no-system-prompt.yaml', example.replace(/^ {4}system_prompt: .*\n/m, ''));
    const server = await startModelsServe([
      '--models-config',
      file,
      '--state-dir',
      join(dir, 'state-2'),
      '--llm-threads',
      '1',
      '--llm-slots',
      '1',
      '--gpu',
      'cpu',
    ]);
    try {
      const log = server.output();
      assert.match(log, /--models-config .*: runtime: cuda picks aikit's image; here --gpu chooses/);
      assert.match(log, /--models-config .*: backends: stablediffusion are aikit's extra backends: not served here/);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
      assert.deepEqual(
        (await client.models.list()).data.map((m) => m.id),
        ['llama-2-7b-chat'],
      );
      const messages = [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'Hi' },
      ];
      const r = await client.chat.completions.create({ model: 'llama-2-7b-chat', messages, max_completion_tokens: 4, seed: 1 });
      assert.equal(r.choices[0]!.message.role, 'assistant');
      // LocalAI: each message through chat_message, joined with "\n"; no generation prompt is added.
      // The reply follows the joining "\n", as an assistant message in the history does.
      const expected = '\n[INST]\n<<SYS>>Be brief.<</SYS>>\n\n\n[/INST]\n\n' + '\n' + '\n[INST]\nHi\n[/INST]\n\n' + '\n';
      const tokenized = (await (
        await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ model: 'llama-2-7b-chat', content: expected, add_special: true }) })
      ).json()) as { tokens: number[] };
      assert.equal(r.usage?.prompt_tokens, tokenized.tokens.length, 'the model saw exactly the prompt LocalAI builds');
      // context_size: 4096 from the config
      const props = (await (await fetch(`${server.url}/props`)).json()) as { default_generation_settings?: { n_ctx?: number } };
      assert.equal(props.default_generation_settings?.n_ctx, 4096);
    } finally {
      await server.stop();
    }
  });

  test('a Go construct outside the supported subset is refused at start, naming it and where', async () => {
    const file = await specFile('range.yaml', example.replace('{{if eq .RoleName', '{{range .Messages}}{{end}}{{if eq .RoleName'));
    const r = await runCli(['models', 'serve', '--models-config', file, '--listen', '127.0.0.1:0', '--gpu', 'cpu']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /range\.yaml: config\[0\]\.template\.chat_message: \{\{range\}\} \(at character 0\) is not supported; only if\/else if\/else\/end/);
  });
});
