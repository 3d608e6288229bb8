/**
 * spin-ts as Spin's `remote_http` GPU tier: instance A (an app with no local models) points
 * `[llm_compute] type = "remote_http"` at instance B, and a component's `infer` and
 * `generate-embeddings` on A are answered by B's engine — through both api_types, with auth on
 * (B1: `models serve --api-key`) and off (B2: `up --openai-listen`, whose listener shares the
 * engine of B2's own app). tiny-predictable answers "a" with exactly "bcdefghijklmnopqrstuvwxyz",
 * whatever the path, so exact text and counts prove the request made it through intact.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, startSpinWithOpenAi, type RunningServer } from './support/serve.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const KEY = 'sk-remote-b1';
const ALPHABET = 'bcdefghijklmnopqrstuvwxyz';
const GREEDY = { maxTokens: 100, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
const NO_KEYS = { SPIN_TS_API_KEYS: '' };

let dir: string;
let b1: RunningServer;
let b2: RunningSpin & { openaiUrl: string };
const a: Record<string, RunningSpin> = {};

async function appManifest(models: string[]): Promise<string> {
  return writeApp(`
spin_manifest_version = 2
[application]
name = "remote-llm"

[[trigger.http]]
route = "/..."
component = "llm"

[component.llm]
source = "${guest('js-llm')}"
ai_models = ${JSON.stringify(models)}
`);
}

async function remoteConfig(name: string, url: string, apiType: 'default' | 'open_ai', token: string): Promise<string> {
  const file = join(dir, `${name}.toml`);
  await writeFile(file, `[llm_compute]\ntype = "remote_http"\nurl = "${url}"\nauth_token = "${token}"\napi_type = "${apiType}"\n`);
  return file;
}

interface GuestReply {
  text?: string;
  usage?: { promptTokenCount: number; generatedTokenCount?: number };
  count?: number;
  dimension?: number;
  norms?: number[];
  error?: { kind: string; message: string | null };
}

async function guestCall(spin: RunningSpin, path: '/infer' | '/embed', body: unknown): Promise<{ status: number; body: GuestReply }> {
  const res = await fetch(spin.url + path, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as GuestReply };
}

async function metricOf(url: string, name: string, labels: string, key?: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  assert.equal(res.status, 200);
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

before(async () => {
  dir = await tempDir('spin-ts-remote-');
  const predictable = (await generateModel('tiny-predictable', join(dir, 'models', 'p.gguf'))).path;
  const bert = (await generateModel('tiny-bert', join(dir, 'models', 'bert.gguf'))).path;
  const models = join(dir, 'b-models.toml');
  await writeFile(
    models,
    `[llm_models.p]\npath = "${predictable}"\nchat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"\n\n[llm_models.bert]\npath = "${bert}"\nkind = "embedding"\n`,
  );
  const emptyState = join(dir, 'empty-state');
  await mkdir(emptyState, { recursive: true });
  const common = ['--llm-threads', '1', '--gpu', 'cpu'];

  [b1, b2] = await Promise.all([
    startModelsServe(['--runtime-config-file', models, '--api-key', KEY, ...common], { env: NO_KEYS }),
    startSpinWithOpenAi(['-f', await appManifest(['p']), '--runtime-config-file', models, '--workers', '1', ...common], { env: NO_KEYS }),
  ]);
  const manifest = await appManifest(['p', 'bert', 'ghost']);
  const startA = async (name: string, url: string, apiType: 'default' | 'open_ai', token: string) => {
    a[name] = await startSpin(
      ['-f', manifest, '--state-dir', emptyState, '--runtime-config-file', await remoteConfig(name, url, apiType, token), '--workers', '1'],
      { env: NO_KEYS },
    );
  };
  await Promise.all([
    startA('defaultAuth', `${b1.url}/ignored/path`, 'default', KEY),
    startA('openaiAuth', `${b1.url}/v1`, 'open_ai', KEY),
    startA('defaultOpen', b2.openaiUrl, 'default', 'anything'),
    startA('openaiOpen', b2.openaiUrl, 'open_ai', 'anything'),
    startA('wrongKey', b1.url, 'default', 'sk-wrong'),
  ]);
});

after(async () => {
  await Promise.all([b1?.stop(), b2?.stop(), ...Object.values(a).map((s) => s.stop())]);
});

describe("a component's infer on A is answered by B", () => {
  const cases = [
    ['defaultAuth', 'default protocol, auth on', 'infer'],
    ['openaiAuth', 'open_ai protocol, auth on', 'chat'],
    ['defaultOpen', 'default protocol, auth off (B is `up --openai-listen`)', 'infer'],
    ['openaiOpen', 'open_ai protocol, auth off (B is `up --openai-listen`)', 'chat'],
  ] as const;
  for (const [name, title, kind] of cases) {
    test(title, async () => {
      const bUrl = name.endsWith('Auth') ? b1.url : b2.openaiUrl;
      const bKey = name.endsWith('Auth') ? KEY : undefined;
      const before = await metricOf(bUrl, 'spin_ts_llm_requests_total', `model="p",kind="${kind}",outcome="ok"`, bKey);
      const r = await guestCall(a[name]!, '/infer', { model: 'p', prompt: 'a', params: GREEDY });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.text, ALPHABET);
      assert.deepEqual(r.body.usage, { promptTokenCount: 2, generatedTokenCount: 25 });
      assert.equal(await metricOf(bUrl, 'spin_ts_llm_requests_total', `model="p",kind="${kind}",outcome="ok"`, bKey), before + 1, "B's engine answered");
      const short = await guestCall(a[name]!, '/infer', { model: 'p', prompt: 'a', params: { ...GREEDY, maxTokens: 4 } });
      assert.equal(short.body.text, 'bcde', 'max-tokens travels');
    });
  }

  test('embeddings through both protocols', async () => {
    for (const name of ['defaultAuth', 'openaiAuth', 'defaultOpen', 'openaiOpen']) {
      const r = await guestCall(a[name]!, '/embed', { model: 'bert', input: ['hello world', 'bye'] });
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.count, 2);
      assert.equal(r.body.dimension, 64);
      for (const n of r.body.norms!) assert.ok(Math.abs(n - 1) < 1e-4);
      assert.ok(r.body.usage!.promptTokenCount > 0);
    }
  });
});

describe('local rules and remote failures', () => {
  test('the allow-list is enforced on A, before any request to B', async () => {
    const before = await metricOf(b1.url, 'spin_ts_http_requests_total', 'route="/infer",status="200"', KEY);
    const r = await guestCall(a.defaultAuth!, '/infer', { model: 'secret-model', prompt: 'a', params: GREEDY });
    assert.equal(r.status, 400);
    assert.equal(r.body.error?.kind, 'invalid-input');
    assert.match(r.body.error!.message!, /does not have access to use 'secret-model'/);
    assert.equal(await metricOf(b1.url, 'spin_ts_http_requests_total', 'route="/infer",status="200"', KEY), before);
  });

  test('a wrong token: runtime-error naming the remote and its answer', async () => {
    const r = await guestCall(a.wrongKey!, '/infer', { model: 'p', prompt: 'a', params: GREEDY });
    assert.equal(r.status, 500);
    assert.equal(r.body.error?.kind, 'runtime-error');
    assert.match(r.body.error!.message!, /^remote LLM at http:\/\/127\.0\.0\.1:\d+ \(POST \/infer\) answered 401: Incorrect API key provided\.$/);
  });

  test("a model B cannot serve: runtime-error carrying B's message", async () => {
    const [missing, wrongKind] = await Promise.all([
      guestCall(a.defaultAuth!, '/infer', { model: 'ghost', prompt: 'a', params: GREEDY }),
      guestCall(a.openaiOpen!, '/infer', { model: 'bert', prompt: 'a', params: GREEDY }),
    ]);
    assert.equal(missing.body.error?.kind, 'runtime-error');
    assert.match(missing.body.error!.message!, /\(POST \/infer\) answered 404: The model 'ghost' does not exist/);
    assert.equal(wrongKind.body.error?.kind, 'runtime-error');
    assert.match(wrongKind.body.error!.message!, /\(POST \/v1\/chat\/completions\) answered 400: .*embedding model/);
  });

  test("B2's OpenAI listener and B2's own components share one engine", async () => {
    const before = await metricOf(b2.openaiUrl, 'spin_ts_llm_requests_total', 'model="p",kind="infer",outcome="ok"');
    const own = await guestCall(b2, '/infer', { model: 'p', prompt: 'x', params: GREEDY });
    assert.equal(own.body.text, 'yz');
    assert.equal(await metricOf(b2.openaiUrl, 'spin_ts_llm_requests_total', 'model="p",kind="infer",outcome="ok"'), before + 1);
    assert.equal(await metricOf(b2.openaiUrl, 'spin_ts_llm_slots', 'model="p"'), 4, 'one context with the default 4 slots');
  });
});
