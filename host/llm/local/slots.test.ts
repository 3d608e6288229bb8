import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LlmError } from '../engine.js';
import { SlotPool } from './slots.js';

describe('SlotPool', () => {
  test('hands out free resources, then queues FIFO, then answers busy', async () => {
    const pool = new SlotPool(['s0', 's1'], 2, 'm');
    const a = await pool.acquire();
    const b = await pool.acquire();
    assert.deepEqual([a.resource, b.resource].sort(), ['s0', 's1']);
    assert.equal(pool.running, 2);
    const order: string[] = [];
    const c = pool.acquire().then((l) => (order.push('c'), l));
    const d = pool.acquire().then((l) => (order.push('d'), l));
    assert.equal(pool.queued, 2);
    await assert.rejects(pool.acquire(), (err: unknown) => err instanceof LlmError && err.kind === 'busy' && /^busy: /.test(err.message));
    a.release();
    const lc = await c;
    assert.equal(lc.resource, a.resource);
    b.release();
    const ld = await d;
    assert.deepEqual(order, ['c', 'd']);
    assert.equal(pool.running, 2);
    assert.equal(pool.queued, 0);
    lc.release();
    lc.release(); // idempotent
    ld.release();
    assert.equal(pool.running, 0);
  });

  test('the free slot that came first is handed out first (busy sequences keep consecutive ids)', async () => {
    const pool = new SlotPool(['s0', 's1', 's2', 's3'], 0, 'm');
    const [a, b, c] = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    assert.deepEqual([a.resource, b.resource, c.resource], ['s0', 's1', 's2']);
    b.release();
    a.release();
    assert.equal((await pool.acquire()).resource, 's0');
    assert.equal((await pool.acquire()).resource, 's1');
    assert.equal((await pool.acquire()).resource, 's3');
  });

  test('an aborted waiter leaves the queue at once', async () => {
    const pool = new SlotPool(['s0'], 1);
    const a = await pool.acquire();
    const ac = new AbortController();
    const waiting = pool.acquire(ac.signal);
    assert.equal(pool.queued, 1);
    ac.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(pool.queued, 0);
    // the freed queue place is usable
    const next = pool.acquire();
    a.release();
    (await next).release();
  });

  test('a release can pass a readiness promise to the next holder', async () => {
    const pool = new SlotPool(['s0'], 1);
    const a = await pool.acquire();
    let windDown!: () => void;
    const settled = new Promise<void>((r) => (windDown = r));
    a.release(settled);
    assert.equal(pool.running, 0);
    const b = await pool.acquire();
    let ready = false;
    void b.ready.then(() => (ready = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(ready, false);
    windDown();
    await b.ready;
    b.release();
  });

  test('close rejects waiters and new calls', async () => {
    const pool = new SlotPool(['s0'], 4);
    await pool.acquire();
    const w = pool.acquire();
    pool.close();
    await assert.rejects(w, /closed/);
    await assert.rejects(pool.acquire(), /closed/);
  });
  test("a release's hurry reaches the next holder, and only that holder", async () => {
    const pool = new SlotPool(['s0'], 1);
    const first = await pool.acquire();
    first.hurry(); // a fresh slot has nothing to hurry
    const hurried: string[] = [];
    let windDown!: () => void;
    first.release(new Promise<void>((r) => (windDown = r)), () => hurried.push('first'));
    const second = await pool.acquire();
    assert.deepEqual(hurried, []);
    second.hurry();
    assert.deepEqual(hurried, ['first']);
    windDown();
    await second.ready;
    second.release();
    const third = await pool.acquire();
    third.hurry();
    assert.deepEqual(hurried, ['first'], 'a release without hurry hands on nothing');
    third.release();
  });
});
