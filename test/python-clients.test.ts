/**
 * The seeds' Python client snippets against `models serve`: the OpenAI Python client as
 * DigitalOcean's docs write it (seed 001) and huggingface_hub's InferenceClient streaming a
 * chat (seed 004), installed from PyPI at the versions in test/python-clients/requirements.txt
 * into a venv beside them. Only the endpoint, key and model differ from the snippets: they
 * point at the local server (nothing may reach a hub).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { REPO, tempDir } from './support/spin.js';

const DIR = join(REPO, 'test', 'python-clients');
const VENV = join(DIR, '.venv');
const PYTHON = join(VENV, 'bin', 'python');
const KEY = 'sk-python-clients';

/** The venv with the pinned clients, made once (pip from PyPI); false when python3 has no venv. */
function ensureVenv(): boolean {
  if (existsSync(PYTHON)) return true;
  const venv = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'ignore' });
  if (venv.status !== 0) return false;
  const pip = spawnSync(join(VENV, 'bin', 'pip'), ['install', '-q', '--no-cache-dir', '-r', join(DIR, 'requirements.txt')], { encoding: 'utf8' });
  if (pip.status !== 0) throw new Error(`pip install of the Python clients failed:\n${pip.stderr}`);
  return true;
}

const available = ensureVenv();
const skip = !available && process.env.SPIN_TS_REQUIRE_PYTHON !== '1' && 'python3 with venv is not installed';

function runPython(script: string, env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, [join(DIR, script)], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the seeds' Python clients against models serve", { skip }, () => {
  let server: RunningServer;
  before(async () => {
    const dir = await tempDir('spin-ts-pyclients-');
    // tiny-llama: random weights, so any prompt gets some text back (its chat template is in the GGUF).
    const model = (await generateModel('tiny-llama', join(dir, 'p.gguf'))).path;
    await writeFile(join(dir, 'rc.toml'), `[llm_models.p]\npath = "${model}"\n`);
    server = await startModelsServe(['--runtime-config-file', join(dir, 'rc.toml'), '--api-key', KEY, '--llm-threads', '1', '--gpu', 'cpu']);
  });
  after(async () => server?.stop());

  test("seed 001: the OpenAI Python client's chat.completions.create answers with the model's text", () => {
    const r = runPython('digitalocean_openai.py', { INFERENCE_ENDPOINT: server.url, MODEL_ACCESS_KEY: KEY, MODEL: 'p' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, `no text printed:\n${r.stderr}`);
  });

  test('seed 001 with a wrong key: the client raises AuthenticationError (401), as against the real service', () => {
    const r = runPython('digitalocean_openai.py', { INFERENCE_ENDPOINT: server.url, MODEL_ACCESS_KEY: 'wrong', MODEL: 'p' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /AuthenticationError|401/);
  });

  test("seed 004: huggingface_hub's InferenceClient streams chat_completion deltas from the local endpoint", () => {
    const r = runPython('huggingface_stream.py', { INFERENCE_ENDPOINT: server.url, HF_TOKEN: KEY });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 0, `no streamed text:\n${r.stderr}`);
  });
});
