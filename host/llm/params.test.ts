/** Which fields a call left to the model's defaults, and how the defaults are put in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_INFER_PARAMS, type InferParams } from './engine.js';
import { spinDefaultedFields, withModelDefaults } from './params.js';

test("spin: none leaves every defaultable field to the model; a field at Spin's default counts as not chosen", () => {
  assert.deepEqual(spinDefaultedFields(undefined), ['temperature', 'topK', 'topP', 'repeatPenalty']);
  assert.deepEqual(spinDefaultedFields({ ...DEFAULT_INFER_PARAMS }), ['temperature', 'topK', 'topP', 'repeatPenalty']);
  assert.deepEqual(spinDefaultedFields({ ...DEFAULT_INFER_PARAMS, temperature: 0.2, topK: 1 }), ['topP', 'repeatPenalty']);
  // as they arrive through the WIT (f32)
  const f32 = { ...DEFAULT_INFER_PARAMS, temperature: Math.fround(0.8), topP: Math.fround(0.9), repeatPenalty: Math.fround(1.1) };
  assert.deepEqual(spinDefaultedFields(f32), ['temperature', 'topK', 'topP', 'repeatPenalty']);
});

test('withModelDefaults replaces only the fields not chosen, and only where the model has a default', () => {
  const params: InferParams = { ...DEFAULT_INFER_PARAMS, temperature: 1, topP: 1, defaulted: ['temperature', 'topK'] };
  assert.deepEqual(withModelDefaults(params, { temperature: 0.3, topP: 0.5 }), { ...params, temperature: 0.3 });
  assert.equal(withModelDefaults(params, undefined), params);
  const chosen: InferParams = { ...DEFAULT_INFER_PARAMS };
  assert.equal(withModelDefaults(chosen, { temperature: 0.3 }), chosen);
});
