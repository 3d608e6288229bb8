/**
 * One request must not freeze the process (issue #8): `spin-ts up --openai-listen` on an app
 * (js-hello) and a generated model. An oversized chat is refused with a 400 that names the limit
 * before any rendering or tokenization, while both listeners keep answering; a request at the
 * limits still works; a streaming client that stops reading holds its slot until it goes away.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const MAX_PROMPT_CHARS = 8000;
let spin: RunningSpin;
let api: string;

before(async () => {
  const dir = await tempDir('spin-ts-openai-limits-');
  const predictable = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  await writeFile(
    join(dir, 'runtime-config.toml'),
    `[llm_models.p]
path = "${predictable}"
chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"
context_size = 65536
`,
  );
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "limits-app"

[[trigger.http]]
route = "/hello/..."
component = "hello"

[component.hello]
source = "${guest('js-hello')}"
`);
  spin = await startSpin(
    [
      '-f',
      manifest,
      '--runtime-config-file',
      join(dir, 'runtime-config.toml'),
      '--openai-listen',
      '127.0.0.1:0',
      '--llm-threads',
      '1',
      '--llm-slots',
      '1',
      '--gpu',
      'cpu',
      '-q',
    ],
    { env: { SPIN_TS_OPENAI_MAX_PROMPT_CHARS: String(MAX_PROMPT_CHARS) } },
  );
  for (let i = 0; i < 200 && !/OpenAI-compatible API: (\S+)\/v1/.test(spin.output()); i++) await new Promise((r) => setTimeout(r, 50));
  api = /OpenAI-compatible API: (\S+)\/v1/.exec(spin.output())![1]!;
});

after(async () => spin?.stop());

function chat(messages: unknown[], extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${api}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'p', messages, temperature: 0, ...extra }),
  });
}

async function running(): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('spin_ts_llm_requests_running{model="p"}'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

async function waitForSlotFree(timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while ((await running()) !== 0) {
    if (Date.now() - started > timeoutMs) throw new Error('the slot of p is still busy');
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('request size limits', () => {
  test('100,000 messages: a quick 400 naming the limit, and both listeners keep answering meanwhile', async () => {
    // sent by a child process, so that building and uploading 4.9 MB does not stall this
    // process's probes (only the server's answers are measured)
    const messages = Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'hello, how are you' }));
    const bodyFile = join(await tempDir('spin-ts-big-chat-'), 'body.json');
    await writeFile(bodyFile, JSON.stringify({ model: 'p', messages, temperature: 0 }));
    const sender = `const b = require('fs').readFileSync(process.argv[1]); const t = performance.now();
      fetch(process.argv[2], { method: 'POST', headers: { 'content-type': 'application/json' }, body: b })
        .then(async (r) => console.log(JSON.stringify({ status: r.status, ms: performance.now() - t, body: await r.json() })));`;
    const probes: Array<{ url: string; ms: number; status: number }> = [];
    let probing = true;
    const probe = async (url: string): Promise<void> => {
      while (probing) {
        const started = performance.now();
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        probes.push({ url, ms: performance.now() - started, status: res.status });
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // warm up: the guest's first requests instantiate its workers
    for (let i = 0; i < 8; i++)
      await Promise.all([fetch(`${spin.url}/hello/ping`).then((r) => r.arrayBuffer()), fetch(`${api}/health`).then((r) => r.arrayBuffer())]);
    const loops = [probe(`${api}/health`), probe(`${spin.url}/hello/ping`)];
    await new Promise((r) => setTimeout(r, 300));

    const child = spawn(process.execPath, ['-e', sender, bodyFile, `${api}/v1/chat/completions`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => child.once('exit', r));
    const res = JSON.parse(out) as { status: number; ms: number; body: { error: { message: string; param: string; code: string; type: string } } };
    const { body, ms } = res;
    await new Promise((r) => setTimeout(r, 500));
    probing = false;
    await Promise.all(loops);

    assert.equal(res.status, 400);
    assert.equal(body.error.type, 'invalid_request_error');
    // refused on its size alone: no chat within the limits is that large, so it is not even parsed
    assert.equal(body.error.code, 'request_too_large');
    assert.equal(body.error.param, 'messages');
    assert.match(
      body.error.message,
      /is \d+ bytes; a chat within this server's limits \(at most 2048 messages and 8000 characters of prompt\) is at most \d+ bytes/,
    );
    // the server answers on the content-length; most of this is the client's upload
    assert.ok(ms < 5000, `the 400 took ${ms.toFixed(0)} ms`);
    for (const url of [`${api}/health`, `${spin.url}/hello/ping`]) {
      const mine = probes.filter((p) => p.url === url);
      assert.ok(mine.length >= 6, `only ${mine.length} probes of ${url}`);
      assert.ok(
        mine.every((p) => p.status === 200),
        `${url}: ${JSON.stringify(mine)}`,
      );
      // before the fix this request blocked the process for minutes; on a loaded 2-core box a
      // single probe can take ~300 ms with no big request at all, so: median under 100 ms, none
      // over a second
      const times = mine.map((p) => p.ms).sort((a, b) => a - b);
      const shown = mine.map((p) => p.ms.toFixed(0)).join(' ');
      assert.ok(times[Math.floor(times.length / 2)]! < 100, `${url}: median over 100 ms while the big request ran: ${shown}`);
      assert.ok(times[times.length - 1]! < 1000, `${url}: a probe took over a second while the big request ran: ${shown}`);
    }
  });

  test('2049 small messages (within the body bound, over the message limit): a 400 naming the limit, before rendering', async () => {
    const limits = await chat(Array.from({ length: 2049 }, () => ({ role: 'user', content: '' })));
    assert.equal(limits.status, 400);
    const err = ((await limits.json()) as { error: { message: string; code: string } }).error;
    assert.equal(err.code, 'too_many_messages');
    assert.match(err.message, /2049 messages .*at most 2048/);
  });

  test('2048 messages (the limit) are answered; 2049 are refused', async () => {
    // the last message is the user's (a trailing assistant message would be continued instead)
    const messages = Array.from({ length: 2048 }, (_, i) => ({ role: i % 2 ? 'user' : 'assistant', content: i === 2047 ? 'a' : '' }));
    const res = await chat(messages, { max_tokens: 3 });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]!.message.content, 'bcd');
    const over = await chat([...messages, { role: 'user', content: 'a' }], { max_tokens: 3 });
    assert.equal(over.status, 400);
    assert.match(((await over.json()) as { error: { message: string } }).error.message, /2049 messages .*at most 2048/);
  });

  test('a prompt at the character limit is answered; one character more is refused (chat and completions)', async () => {
    const atLimit = '0'.repeat(MAX_PROMPT_CHARS - 1) + 'a';
    const ok = await chat(
      [
        { role: 'user', content: atLimit.slice(0, 4000) },
        { role: 'user', content: atLimit.slice(4000) },
      ],
      { max_tokens: 2 },
    );
    assert.equal(ok.status, 200, await ok.clone().text());
    const tooLong = await chat(
      [
        { role: 'user', content: atLimit.slice(0, 4000) },
        { role: 'user', content: atLimit.slice(4000) + 'b' },
      ],
      { max_tokens: 2 },
    );
    assert.equal(tooLong.status, 400);
    const err = ((await tooLong.json()) as { error: { message: string; code: string; param: string } }).error;
    assert.equal(err.code, 'prompt_too_long');
    assert.equal(err.param, 'messages');
    assert.match(err.message, new RegExp(`at most ${MAX_PROMPT_CHARS} characters`));

    const post = (prompt: string) =>
      fetch(`${api}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'p', prompt, max_tokens: 2, temperature: 0 }) });
    assert.equal((await post(atLimit)).status, 200);
    const refused = await post(atLimit + 'b');
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /'prompt': .*at most 8000 characters/);
  });
});

describe('a chat at the default limits (2048 messages × 128 characters)', () => {
  // its own server with the default limits and a ChatML model: rendering and tokenizing this
  // chat took ~350 ms on the main thread (both listeners stalled); it now runs in the prompt worker
  let big: RunningSpin;
  let bigApi: string;
  before(async () => {
    const dir = await tempDir('spin-ts-openai-maximal-');
    const tiny = (await generateModel('tiny-llama', join(dir, 't.gguf'))).path;
    await writeFile(join(dir, 'runtime-config.toml'), `[llm_models.t]\npath = "${tiny}"\n`);
    const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "maximal-app"

[[trigger.http]]
route = "/hello/..."
component = "hello"

[component.hello]
source = "${guest('js-hello')}"
`);
    big = await startSpin([
      '-f',
      manifest,
      '--runtime-config-file',
      join(dir, 'runtime-config.toml'),
      '--openai-listen',
      '127.0.0.1:0',
      '--llm-threads',
      '1',
      '--llm-slots',
      '1',
      '--gpu',
      'cpu',
      '-q',
    ]);
    for (let i = 0; i < 200 && !/OpenAI-compatible API: (\S+)\/v1/.test(big.output()); i++) await new Promise((r) => setTimeout(r, 50));
    bigApi = /OpenAI-compatible API: (\S+)\/v1/.exec(big.output())![1]!;
  });
  after(async () => big?.stop());

  test('health and an app route keep answering within 100 ms while it is rendered and tokenized', async () => {
    const messages = Array.from({ length: 2048 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `message ${i}: ${'how are you today? '.repeat(7)}`.slice(0, 128),
    }));
    const body = JSON.stringify({ model: 't', messages, max_tokens: 1 });
    const send = async (): Promise<{ status: number; text: string }> => {
      const r = await fetch(`${bigApi}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: r.status, text: await r.text() };
    };
    // warm up: model load, prompt worker start, the guest's workers
    for (let i = 0; i < 8; i++)
      await Promise.all([fetch(`${big.url}/hello/ping`).then((r) => r.arrayBuffer()), fetch(`${bigApi}/health`).then((r) => r.arrayBuffer())]);
    const first = await send();
    // ~117,000 prompt tokens: refused against the context, after rendering and tokenizing
    assert.equal(first.status, 400, first.text);
    assert.match(first.text, /the prompt is \d+ tokens; the context holds \d+/);

    const urls = [`${bigApi}/health`, `${big.url}/hello/ping`];
    const probeWhile = async (work: () => Promise<void>): Promise<Array<{ url: string; ms: number; status: number }>> => {
      const probes: Array<{ url: string; ms: number; status: number }> = [];
      let probing = true;
      const probe = async (url: string): Promise<void> => {
        while (probing) {
          const started = performance.now();
          const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
          await res.arrayBuffer();
          probes.push({ url, ms: performance.now() - started, status: res.status });
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const loops = urls.map(probe);
      await work();
      probing = false;
      await Promise.all(loops);
      return probes;
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // the same probes with nothing else running: this loaded 2-core box's own latency
    const baseline = await probeWhile(() => new Promise((r) => setTimeout(r, 1500)));
    const during = await probeWhile(async () => {
      for (let i = 0; i < 3; i++) assert.equal((await send()).status, 400);
    });
    for (const url of urls) {
      const base = baseline.filter((p) => p.url === url).map((p) => p.ms);
      const mine = during.filter((p) => p.url === url);
      const times = mine.map((p) => p.ms);
      const shown = times.map((ms) => ms.toFixed(0)).join(' ');
      console.log(`${url}: idle ${base.map((ms) => ms.toFixed(0)).join(' ')}; while 3 maximal chats ran: ${shown}`);
      assert.ok(mine.length >= 6, `only ${mine.length} probes of ${url}`);
      assert.ok(
        mine.every((p) => p.status === 200),
        `${url}: ${JSON.stringify(mine)}`,
      );
      // before the prompt worker, each of these chats stalled both listeners for ~350 ms. On this
      // loaded box a probe occasionally waits ~300 ms for a CPU with no big request at all, so:
      // the median within 100 ms (or within 50 ms of the idle median, where the idle machine is
      // itself slower than that), none over 500 ms. The event loop itself is measured in
      // host/llm/local/prompt-tokens.test.ts.
      const bound = Math.max(100, median(base) + 50);
      assert.ok(median(times) < bound, `${url}: median ${median(times).toFixed(0)} ms (idle ${median(base).toFixed(0)} ms): ${shown}`);
      assert.ok(Math.max(...times) < 500, `${url}: a probe took over 500 ms: ${shown}`);
    }
  });
});

describe('a streaming client that stops reading', () => {
  // The pause itself (no tokens pulled while the stream's queue is full) is pinned by
  // host/openai/sse.test.ts and host/llm/local/backpressure.test.ts: loopback sockets buffer
  // ~4 MB (~25,000 events) before the server must wait, minutes of generation on a busy 2-core box.
  for (const [path, body] of [
    ['/v1/chat/completions', { model: 'p', messages: [{ role: 'user', content: '0' }], stream: true, temperature: 0, max_tokens: 65000 }],
    ['/v1/completions', { model: 'p', prompt: '0', stream: true, temperature: 0, max_tokens: 65000 }],
  ] as const) {
    test(`${path}: the slot stays held while the client is connected and is freed when it goes away`, async () => {
      const { hostname, port } = new URL(api);
      const json = JSON.stringify(body);
      const socket: Socket = connect(Number(port), hostname);
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.pause(); // never read
      socket.write(`POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
      try {
        for (let i = 0; i < 6; i++) {
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(await running(), 1, 'the generation ended while the client was still connected');
        }
      } finally {
        socket.destroy();
      }
      const freedIn = await waitForSlotFree();
      assert.ok(freedIn < 5000);
    });
  }
});
