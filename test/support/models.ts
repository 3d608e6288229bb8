/** Generated models for tests, written by `spin-ts models generate` as a user would. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from './spin.js';

export async function generate(preset: string, out: string): Promise<string> {
  const r = await runCli(['models', 'generate', preset, '-o', out]);
  assert.equal(r.code, 0, `models generate ${preset}: ${r.stderr}`);
  return out;
}

/** Puts a model where docs/spec.md §2's state-dir lookup finds it: <state>/ai-models/llama/<name>/model.gguf. */
export async function generateIntoStateDir(preset: string, stateDir: string, name: string): Promise<string> {
  return generate(preset, join(stateDir, 'ai-models', 'llama', name, 'model.gguf'));
}
