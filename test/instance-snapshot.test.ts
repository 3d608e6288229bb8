/**
 * Snapshot instances (the default --instance-mode): one live instance per component per
 * worker, restored between requests, must be indistinguishable to the guest from a fresh
 * one. js-state reports a global counter, a module-level cache and Math.random(): on a
 * fresh-looking instance the counter is 1, the cache holds only this request's key and
 * every random value is new, whatever ran on that instance before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

interface StateReply {
  key: string;
  counter: number;
  cached: boolean;
  cacheSize: number;
  keptChunks: number;
  random: number;
  bodyBytes: number;
}

const manifest = () =>
  writeApp(`
spin_manifest_version = 2
[application]
name = "instance-snapshot"
[[trigger.http]]
route = "/..."
component = "state"
[component.state]
source = "${guest('js-state')}"
`);

async function ask(spin: RunningSpin, path: string, body?: Uint8Array): Promise<StateReply> {
  const res = await fetch(spin.url + path, body ? { method: 'POST', body: body as Uint8Array<ArrayBuffer> } : {});
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as StateReply;
}

function assertFresh(r: StateReply, key: string, bodyBytes = 0): void {
  assert.deepEqual(
    { key: r.key, counter: r.counter, cached: r.cached, cacheSize: r.cacheSize, keptChunks: r.keptChunks > 0, bodyBytes: r.bodyBytes },
    { key, counter: 1, cached: false, cacheSize: 1, keptChunks: bodyBytes > 0, bodyBytes },
  );
}

/** Sends `count` GETs with distinct paths, `concurrency` at a time; checks each reply and returns the random values. */
async function load(spin: RunningSpin, count: number, concurrency: number, prefix: string): Promise<number[]> {
  const randoms: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const key = `/${prefix}/${next++}?q=${next % 7}`;
        const r = await ask(spin, key);
        assertFresh(r, key);
        randoms.push(r.random);
      }
    }),
  );
  return randoms;
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

describe('snapshot instances', () => {
  let spin: RunningSpin;
  before(async () => {
    spin = await startSpin(['-f', await manifest(), '--workers', '3', '--request-timeout', '20s']);
  });
  after(async () => spin?.stop());

  test('no global, cache or random state carries over between requests under concurrent load on several workers', async () => {
    const randoms = await load(spin, 600, 9, 'c');
    assert.equal(new Set(randoms).size, randoms.length, 'every Math.random() value is new');
  });

  test('a body that grows the memory forces a rebuild, and the next requests are fresh again', async () => {
    const big = new Uint8Array(4 * 1024 * 1024).fill(7);
    assertFresh(await ask(spin, '/grow', big), '/grow', big.length);
    const randoms = await load(spin, 60, 3, 'after-grow');
    assert.equal(new Set(randoms).size, randoms.length);
  });

  // The workers' V8 heaps settle after some 3,000 requests (measured: 302 → 395 MiB by then, 411 at 6,000, 398 at 8,000).
  test('5,000 requests keep RSS flat after warm-up', { timeout: 600_000 }, async () => {
    await load(spin, 3000, 6, 'warm');
    const warm = rssMiB(spin.proc.pid!);
    await load(spin, 5000, 6, 'rss');
    const grown = rssMiB(spin.proc.pid!) - warm;
    assert.ok(grown < 40, `RSS grew by ${grown.toFixed(1)} MiB over 5,000 requests (from ${warm.toFixed(0)} MiB)`);
  });
});

describe('an instance whose memory grows on every request', () => {
  let spin: RunningSpin;
  before(async () => {
    spin = await startSpin(['-f', await manifest(), '--workers', '1']);
  });
  after(async () => spin?.stop());

  test('is rebuilt each time, then gets fresh instances, and stays correct throughout', async () => {
    const big = new Uint8Array(4 * 1024 * 1024).fill(1);
    for (let i = 0; i < 3; i++) assertFresh(await ask(spin, `/big/${i}`, big), `/big/${i}`, big.length);
    // The worker logs after it has answered: give the line a moment to arrive.
    for (let waited = 0; !/grew in 3 requests/.test(spin.output()) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.match(spin.output(), /\[state\] fresh instances per request in this worker: its memory grew in 3 requests in a row/);
    await load(spin, 20, 2, 'then');
  });
});

describe('--instance-mode fresh', () => {
  let spin: RunningSpin;
  before(async () => {
    spin = await startSpin(['-f', await manifest(), '--workers', '2', '--instance-mode', 'fresh']);
  });
  after(async () => spin?.stop());

  test('gives the same answers, from a new instance per request', async () => {
    const randoms = await load(spin, 40, 4, 'f');
    assert.equal(new Set(randoms).size, randoms.length);
  });
});

test('an unknown --instance-mode is refused naming the choices', async () => {
  const { runCli } = await import('./support/spin.js');
  const r = await runCli(['up', '-f', await manifest(), '--instance-mode', 'reuse']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--instance-mode.*'reuse' is invalid.*fresh, snapshot/s);
});
