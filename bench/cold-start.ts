/** Cold start: from spawning `spin-ts up` to the first 200, with an empty and with a warm transpile cache. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, guestPath, startServer } from './support.js';

async function firstOk(url: string): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function timeStart(manifest: string, cache: string): Promise<number> {
  const started = performance.now();
  const server = await startServer([CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q'], { SPIN_TS_CACHE_DIR: cache });
  await firstOk(`${server.url}/`);
  const ms = performance.now() - started;
  await server.stop();
  return ms;
}

export async function benchColdStart(): Promise<{ markdown: string; coldMs: number; warmMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-cold-'));
  const manifest = join(dir, 'spin.toml');
  await writeFile(
    manifest,
    `spin_manifest_version = 2\n[application]\nname = "cold"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "${guestPath('js-hello')}"\n`,
  );
  const cache = await mkdtemp(join(tmpdir(), 'spin-ts-bench-cache-'));
  const coldMs = await timeStart(manifest, cache);
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) warm.push(await timeStart(manifest, cache));
  const warmMs = warm.sort((a, b) => a - b)[1];
  const markdown = [
    '| start of `spin-ts up` (js-hello, 12 MB component) → first 200 | ms |',
    '| --- | ---: |',
    `| empty transpile cache (jco transpile + compile) | ${fmt(coldMs, 0)} |`,
    `| warm transpile cache (median of 3) | ${fmt(warmMs, 0)} |`,
  ].join('\n');
  return { markdown, coldMs, warmMs };
}
