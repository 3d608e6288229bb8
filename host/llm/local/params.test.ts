import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_INFER_PARAMS, LlmError, type InferParams } from '../engine.js';
import { checkAgainstContext, planSampling } from './params.js';

const base: InferParams = { ...DEFAULT_INFER_PARAMS };
const seed = (): number => 99;

function invalid(p: Partial<InferParams>): void {
  assert.throws(
    () => planSampling({ ...base, ...p }, seed),
    (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input',
    JSON.stringify(p),
  );
}

describe('planSampling', () => {
  test('defaults', () => {
    const plan = planSampling(base, seed);
    assert.equal(plan.greedy, false);
    assert.equal(plan.seed, 99);
    assert.equal(plan.penaltyLastN, 64);
    assert.deepEqual(plan.stop, []);
  });

  test('temperature 0 is greedy; a negative temperature is invalid-input (one rule, host/llm/params.ts)', () => {
    assert.equal(planSampling({ ...base, temperature: 0 }, seed).greedy, true);
    invalid({ temperature: -1 });
  });

  test('penalty 1 with no frequency/presence penalty switches the penalty window off', () => {
    assert.equal(planSampling({ ...base, repeatPenalty: 1 }, seed).penaltyLastN, 0);
    assert.equal(planSampling({ ...base, repeatPenalty: 1, presencePenalty: 0.5 }, seed).penaltyLastN, 64);
  });

  test('explicit seeds are used (mod 2^32)', () => {
    assert.equal(planSampling({ ...base, seed: 5 }, seed).seed, 5);
    assert.equal(planSampling({ ...base, seed: -1 }, seed).seed, 2 ** 32 - 1);
  });

  test('out-of-range values are invalid-input', () => {
    invalid({ maxTokens: 0 });
    invalid({ maxTokens: 1.5 });
    invalid({ topP: 1.01 });
    invalid({ topP: -0.1 });
    invalid({ topK: -1 });
    invalid({ topK: 2.5 });
    invalid({ repeatPenalty: 0 });
    invalid({ repeatPenalty: -1 });
    invalid({ repeatPenaltyLastNTokenCount: -1 });
    invalid({ temperature: NaN });
    invalid({ temperature: Infinity });
    invalid({ frequencyPenalty: 3 });
    invalid({ presencePenalty: -2.5 });
    invalid({ seed: 1.5 });
  });

  test('context checks', () => {
    const plan = planSampling({ ...base, maxTokens: 300 }, seed);
    assert.throws(() => checkAgainstContext(plan, 5, 256), /max-tokens 300 is above the context size 256/);
    const small = planSampling(base, seed);
    assert.throws(() => checkAgainstContext(small, 256, 256), /prompt is 256 tokens/);
    checkAgainstContext(small, 255, 256);
  });
});
