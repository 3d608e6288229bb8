/**
 * bin/llama-threadpool.js: `up` and `models serve` get one libuv thread (llama.cpp's decodes then
 * always start on the same thread) unless UV_THREADPOOL_SIZE is set; other commands keep libuv's
 * default. And through the real bin: the setting reaches a spawned `models serve`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from './support/spin.js';

const { oneThreadForLlama } = createRequire(import.meta.url)(join(REPO, 'bin', 'llama-threadpool.js')) as {
  oneThreadForLlama: (argv: readonly string[], env: NodeJS.ProcessEnv) => boolean;
};

test('up and models serve get UV_THREADPOOL_SIZE=1 unless it is set; other commands are left alone', () => {
  for (const argv of [
    ['up', '-f', 'spin.toml'],
    ['models', 'serve'],
  ]) {
    const env: NodeJS.ProcessEnv = {};
    assert.equal(oneThreadForLlama(argv, env), true);
    assert.equal(env.UV_THREADPOOL_SIZE, '1');
  }
  const chosen: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: '8' };
  assert.equal(oneThreadForLlama(['up'], chosen), false);
  assert.equal(chosen.UV_THREADPOOL_SIZE, '8');
  for (const argv of [['build'], ['models', 'pull'], []]) {
    const env: NodeJS.ProcessEnv = {};
    assert.equal(oneThreadForLlama(argv, env), false);
    assert.equal(env.UV_THREADPOOL_SIZE, undefined);
  }
});

/** Threads of a `models serve` started through bin/spin-ts.js, once it serves and the probe ran. */
async function serveThreads(uvThreads: string | undefined): Promise<number> {
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  if (uvThreads !== undefined) env.UV_THREADPOOL_SIZE = uvThreads;
  const proc = spawn(process.execPath, [join(REPO, 'bin', 'spin-ts.js'), 'models', 'serve', '--listen', '127.0.0.1:0', '--gpu', 'cpu'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const on = (c: Buffer) => {
        out += c.toString();
        if (/models ready/.test(out)) resolve();
      };
      proc.stdout.on('data', on);
      proc.stderr.on('data', on);
      proc.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    return (await readdir(`/proc/${proc.pid}/task`)).length;
  } finally {
    proc.kill('SIGTERM');
  }
}

test('through bin/spin-ts.js, models serve runs with one libuv threadpool thread, three fewer than UV_THREADPOOL_SIZE=4', async () => {
  const one = await serveThreads(undefined);
  const four = await serveThreads('4');
  assert.equal(four - one, 3, `threads: ${one} by default, ${four} with UV_THREADPOOL_SIZE=4`);
});
