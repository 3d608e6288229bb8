/**
 * A guest that traps, loops or eats memory never takes the host down: each case gets its
 * error status and the very next request is served normally.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

let spin: RunningSpin;

before(async () => {
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "isolation"

[[trigger.http]]
route = "/bad/..."
component = "bad"

[[trigger.http]]
route = "/hello/..."
component = "hello"

[[trigger.http]]
route = "/rust-trap"
component = "rust-trap"

[component.bad]
source = "${guest('js-misbehave')}"

[component.hello]
source = "${guest('js-hello')}"

[component.rust-trap]
source = "${guest('rust-trap')}"
`);
  spin = await startSpin(['-f', manifest, '--request-timeout', '1500ms', '--guest-memory-mb', '128', '--workers', '4']);
});
after(async () => spin?.stop());

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(spin.url + path);
  return { status: res.status, text: await res.text() };
}

async function stillServes(): Promise<void> {
  const r = await get('/bad/ok');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'ok\n');
}

describe('memory exhaustion under load', () => {
  // With a timeout the guests cannot reach, every one of them dies of its memory: each must be
  // a 500, also when several die at once (the worker's death, not a timer, decides).
  let roomy: RunningSpin;
  before(async () => {
    const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "oom"
[[trigger.http]]
route = "/bad/..."
component = "bad"
[component.bad]
source = "${guest('js-misbehave')}"
`);
    roomy = await startSpin(['-f', manifest, '--request-timeout', '60s', '--guest-memory-mb', '128', '--workers', '3']);
  });
  after(async () => roomy?.stop());

  test('6 memory-exhausting requests at once on 3 workers: 500 every time, and service goes on', async () => {
    const statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(`${roomy.url}/bad/oom`).then((r) => r.status)));
    assert.deepEqual(statuses, [500, 500, 500, 500, 500, 500]);
    assert.equal(await (await fetch(`${roomy.url}/bad/ok`)).text(), 'ok\n');
  });
});

describe('isolation', () => {
  test('a JS guest that throws → 500, and the host keeps serving', async () => {
    const r = await get('/bad/trap');
    assert.equal(r.status, 500);
    assert.match(r.text, /trapped/);
    await stillServes();
  });

  test('a Rust guest that hits unreachable → 500', async () => {
    const r = await get('/rust-trap');
    assert.equal(r.status, 500);
    assert.match(r.text, /unreachable/);
    await stillServes();
  });

  test('a looping guest is cut off at --request-timeout → 504, its worker replaced', async () => {
    const started = Date.now();
    const r = await get('/bad/loop');
    const took = Date.now() - started;
    assert.equal(r.status, 504);
    assert.ok(took >= 1400 && took < 10_000, `cut off after ${took} ms`);
    await stillServes();
    assert.match(spin.output(), /timed out after 1500 ms: worker terminated and replaced/);
  });

  test('a guest that exhausts its memory → 500, and the host keeps serving', async () => {
    // 504 too: on a loaded machine filling 128 MiB can outlast this app's 1.5 s timeout.
    const r = await get('/bad/oom');
    assert.ok(r.status === 500 || r.status === 504, `status ${r.status}`);
    await stillServes();
  });

  test('a guest that returns without a response → 500', async () => {
    const r = await get('/bad/noresponse');
    assert.equal(r.status, 500);
    await stillServes();
  });

  test('every worker survives a round of failures: 4 loops at once, then normal service', async () => {
    const loops = await Promise.all([1, 2, 3, 4].map(() => get('/bad/loop')));
    assert.deepEqual(
      loops.map((r) => r.status),
      [504, 504, 504, 504],
    );
    await stillServes();
  });
});

describe('concurrency', () => {
  test('50 concurrent requests are all answered correctly', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${spin.url}/hello/n${i}`, { method: 'POST', body: `body-${i}` });
        return { status: res.status, json: (await res.json()) as { pathWithQuery: string; body: string } };
      }),
    );
    results.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.json.pathWithQuery, `/hello/n${i}`);
      assert.equal(r.json.body, `body-${i}`);
    });
  });

  test('a failing guest does not disturb requests running beside it', async () => {
    const [bad, ...good] = await Promise.all([get('/bad/trap'), ...Array.from({ length: 10 }, () => get('/bad/ok'))]);
    assert.equal(bad.status, 500);
    for (const g of good) assert.equal(g.status, 200);
  });
});
