/**
 * Snapshot instances for a guest whose memory grows on every request (Rust: its allocator
 * starts with no heap pages). The instance keeps the pages it grew (growable-memory.ts)
 * and must still be, to the guest, a fresh instance: rust-state reports a static counter,
 * a lazily built cache, memory.size at the start of the request and the address of its
 * first allocation; each must equal what a fresh instance (--instance-mode fresh) answers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

type Reply = Record<'counter' | 'cache' | 'memory_pages' | 'first_alloc' | 'grown_pages', number>;

const manifest = () =>
  writeApp(`
spin_manifest_version = 2
[application]
name = "rust-instance-pool"
[[trigger.http]]
route = "/..."
component = "state"
[component.state]
source = "${guest('rust-state')}"
`);

async function ask(spin: RunningSpin, path: string): Promise<Reply> {
  const res = await fetch(spin.url + path);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${res.status} ${text}`);
  return Object.fromEntries(text.split('\n').map((line) => [line.split('=')[0], Number(line.split('=')[1])])) as Reply;
}

/** Paths of one length: the guest's allocations before its first Box then do not depend on the path. */
const pathFor = (prefix: string, n: number) => `/${prefix.padEnd(6, '_')}/${String(n).padStart(6, '0')}`;

/** Sends `count` GETs, `concurrency` at a time, each answer checked against `fresh`. */
async function load(spin: RunningSpin, fresh: Reply, count: number, concurrency: number, prefix: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const path = pathFor(prefix, next++);
        assert.deepEqual(await ask(spin, path), fresh, path);
      }
    }),
  );
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

describe('a Rust guest whose memory grows on every request, on snapshot instances', () => {
  let spin: RunningSpin;
  let fresh: Reply;
  before(async () => {
    const app = await manifest();
    const once = await startSpin(['-f', app, '--workers', '1', '--instance-mode', 'fresh']);
    try {
      fresh = await ask(once, pathFor('f', 0));
    } finally {
      await once.stop();
    }
    spin = await startSpin(['-f', app, '--workers', '3', '--request-timeout', '20s']);
  });
  after(async () => spin?.stop());

  // Before growable memories, every request grew the memory (the allocator's first pages), so
  // each worker logged that it fell back to fresh instances after 3 requests.
  test('gives fresh-instance answers under concurrent load on several workers, without falling back to fresh instances', async () => {
    assert.deepEqual({ counter: fresh.counter, cache: fresh.cache }, { counter: 1, cache: 1 });
    await load(spin, fresh, 900, 9, 'c');
    assert.doesNotMatch(spin.output(), /fresh instances per request/);
  });

  test('a request that grows the memory by megabytes is let go, and the next requests are fresh again', async () => {
    const big = await ask(spin, '/grow/8');
    assert.ok(big.grown_pages >= fresh.memory_pages + 128, `grew to ${big.grown_pages} pages`);
    await load(spin, fresh, 60, 3, 'g');
  });

  test('a trap discards the instance: the next requests do not see its state', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${spin.url}/trap`);
      assert.equal(res.status, 500);
      await res.arrayBuffer();
    }
    await load(spin, fresh, 60, 3, 't');
  });

  // What grows first is V8's young generation in each worker, sized up to the allocation rate
  // of the glue run per request (measured, 3 workers: 168 MiB at 1,000 requests, 327 at 6,000,
  // 349 at 16,000; with the workers' maxYoungGenerationSizeMb at 4: 158, 192, 198). So the
  // warm-up lasts until two rounds of 1,000 requests in a row added under 8 MiB.
  test('5,000 requests keep RSS flat after warm-up', { timeout: 900_000 }, async () => {
    let calm = 0;
    for (let round = 0, last = rssMiB(spin.proc.pid!); calm < 2 && round < 20; round++) {
      await load(spin, fresh, 1000, 6, `warm${round}`);
      const now = rssMiB(spin.proc.pid!);
      calm = now - last < 8 ? calm + 1 : 0;
      last = now;
    }
    assert.equal(calm, 2, 'RSS settled within 20,000 requests');
    const warm = rssMiB(spin.proc.pid!);
    await load(spin, fresh, 5000, 6, 'rss');
    const grown = rssMiB(spin.proc.pid!) - warm;
    assert.ok(grown < 30, `RSS grew by ${grown.toFixed(1)} MiB over 5,000 requests (from ${warm.toFixed(0)} MiB)`);
  });
});
