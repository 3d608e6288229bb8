/**
 * The llm factor through the factor harness, with an engine that records its calls: the
 * allow-list, Spin's defaults, the one parameter validator and the error mapping, all
 * decided before (or without) the engine. The real engine through real guests is test/llm.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LlmError, type InferParams, type LlmEngine } from '../../llm/engine.js';
import { factorHarness } from '../testing/harness.js';
import { denialMessage } from './guest.js';
import { llmFactor } from './index.js';

const MANIFEST = `spin_manifest_version = 2
[application]
name = "ai"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
ai_models = ["llama2-chat", "missing", "broken"]
`;

class RecordingEngine implements LlmEngine {
  calls: Array<{ model: string; prompt: string; params: InferParams; signal?: AbortSignal }> = [];
  async infer(model: string, prompt: string, params: InferParams, options?: { signal?: AbortSignal }) {
    this.calls.push({ model, prompt, params, ...(options?.signal ? { signal: options.signal } : {}) });
    if (model === 'missing') throw new LlmError('model-not-supported', 'no such model');
    if (model === 'broken') throw new LlmError('runtime-error', 'the model fell over');
    return { text: `echo:${prompt}`, promptTokens: 3, generatedTokens: 2, finishReason: 'stop' as const };
  }
  async embed(_model: string, inputs: string[]) {
    return { embeddings: inputs.map((s) => [s.length, 0.5]), promptTokens: inputs.length };
  }
  async listModels() {
    return [];
  }
  async close() {}
}

async function withHarness(fn: (h: Awaited<ReturnType<typeof factorHarness>>, engine: RecordingEngine) => Promise<void>): Promise<void> {
  const engine = new RecordingEngine();
  const h = await factorHarness(
    llmFactor(async () => engine),
    { manifest: MANIFEST, component: 'web' },
  );
  try {
    await fn(h, engine);
  } finally {
    await h.close();
  }
}

const PARAMS = { maxTokens: 10, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 0.9 };

test('llm: an allowed call reaches the engine and comes back as inferencing-result', async () => {
  await withHarness(async (h, engine) => {
    const r = await h.call('fermyon:spin/llm', 'infer', ['llama2-chat', 'hi', PARAMS]);
    assert.deepEqual(r, { ok: true, value: { text: 'echo:hi', usage: { promptTokenCount: 3, generatedTokenCount: 2 } } });
    // fields left at Spin's defaults are marked: a model table's defaults may stand in (docs/ai.md, "Per-model defaults")
    assert.deepEqual(engine.calls[0]!.params, { ...PARAMS, defaulted: ['topK', 'topP', 'repeatPenalty'] });
  });
});

test("llm: params none means Spin's defaults", async () => {
  await withHarness(async (h, engine) => {
    await h.call('fermyon:spin/llm', 'infer', ['llama2-chat', 'hi', undefined]);
    assert.deepEqual(engine.calls[0]!.params, {
      maxTokens: 100,
      repeatPenalty: 1.1,
      repeatPenaltyLastNTokenCount: 64,
      temperature: 0.8,
      topK: 40,
      topP: 0.9,
      defaulted: ['temperature', 'topK', 'topP', 'repeatPenalty'],
    });
  });
});

test("llm: a model outside ai_models is invalid-input with Spin's message, and the engine never sees it", async () => {
  await withHarness(async (h, engine) => {
    for (const fn of ['infer', 'generateEmbeddings']) {
      const r = await h.call('fermyon:spin/llm', fn, fn === 'infer' ? ['gpt-4', 'hi', PARAMS] : ['gpt-4', ['a']]);
      assert.deepEqual(!r.ok && r.error, { tag: 'invalid-input', val: denialMessage('gpt-4') });
    }
    assert.equal(engine.calls.length, 0);
  });
});

test('llm: out-of-range params are invalid-input before the engine (negative temperature included)', async () => {
  await withHarness(async (h, engine) => {
    for (const bad of [{ maxTokens: 0 }, { temperature: -0.5 }, { topP: 1.5 }, { repeatPenalty: 0 }, { topK: -1 }, { temperature: NaN }]) {
      const r = await h.call('fermyon:spin/llm', 'infer', ['llama2-chat', 'hi', { ...PARAMS, ...bad }]);
      assert.equal(!r.ok && (r.error as { tag: string }).tag, 'invalid-input', JSON.stringify(bad));
    }
    assert.equal(engine.calls.length, 0);
  });
});

test('llm: engine errors map to model-not-supported and runtime-error', async () => {
  await withHarness(async (h) => {
    const missing = await h.call('fermyon:spin/llm', 'infer', ['missing', 'hi', PARAMS]);
    assert.deepEqual(!missing.ok && missing.error, { tag: 'model-not-supported' });
    const broken = await h.call('fermyon:spin/llm', 'infer', ['broken', 'hi', PARAMS]);
    assert.deepEqual(!broken.ok && broken.error, { tag: 'runtime-error', val: 'the model fell over' });
  });
});

test('llm: embeddings come back as f32 vectors with usage', async () => {
  await withHarness(async (h) => {
    const r = await h.call('fermyon:spin/llm', 'generateEmbeddings', ['llama2-chat', ['abc', 'de']]);
    assert.ok(r.ok);
    const v = r.value as { embeddings: Float32Array[]; usage: { promptTokenCount: number } };
    assert.deepEqual(
      v.embeddings.map((e) => [...e]),
      [
        [3, 0.5],
        [2, 0.5],
      ],
    );
    assert.ok(v.embeddings[0] instanceof Float32Array);
    assert.deepEqual(v.usage, { promptTokenCount: 2 });
  });
});

test('llm: ai_models must be a list of strings (a manifest error with its line)', async () => {
  await assert.rejects(
    factorHarness(
      llmFactor(async () => new RecordingEngine()),
      { manifest: MANIFEST.replace('ai_models = ["llama2-chat", "missing", "broken"]', 'ai_models = "llama2-chat"'), component: 'web' },
    ),
    /component\.web\.ai_models \(line 9, column 1\): must be a list of strings/,
  );
});
