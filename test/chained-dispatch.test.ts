/**
 * Requests a guest makes into its own app go through the same pipeline as a client's
 * (host/triggers/http/dispatch.ts), on a pool where they always make progress: a WAGI
 * component answers through `self` and `<id>.spin.internal`; more concurrent chained
 * requests than workers all succeed; a component that calls itself without end gets a 508
 * naming the depth, logged, while an unrelated route keeps answering.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

const OUTBOUND = guest('js-outbound');
const HELLO = guest('js-hello');
const WAGI = guest('wagi-echo');
const WORKERS = 4;
/** host/components/pool.ts DEFAULT_MAX_CHAIN_DEPTH. */
const MAX_DEPTH = 8;

const env = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith('env '))
      .map((l) => [l.slice(4, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const args = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('arg '))
    .map((l) => l.slice(4));

let spin: RunningSpin;

/** The spin-ts process's threads: each guest worker is one. */
const threads = () => readdirSync(`/proc/${spin.proc.pid}/task`).length;

before(async () => {
  for (const w of [OUTBOUND, HELLO, WAGI]) assert.ok(existsSync(w), `${w} is missing: run \`npm run build:guests\``);
  const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "chained-dispatch"
[[trigger.http]]
route = "/out/..."
component = "out"
[[trigger.http]]
route = "/hello/..."
component = "hello"
[[trigger.http]]
route = "/wagi/..."
component = "wagi"
executor = { type = "wagi" }
[[trigger.http]]
route = "/rec/..."
component = "rec"
[component.out]
source = "${OUTBOUND}"
allowed_outbound_hosts = ["http://self", "http://*.spin.internal"]
[component.hello]
source = "${HELLO}"
[component.wagi]
source = "${WAGI}"
[component.rec]
source = "${OUTBOUND}"
allowed_outbound_hosts = ["http://self", "http://rec.spin.internal"]
`);
  spin = await startSpin(['-f', manifest, '--workers', String(WORKERS)]);
});
after(async () => spin?.stop());

/** A request from the `out` guest to `authority` + `path` (empty authority: a relative URL, i.e. self). */
const from = (authority: string, path: string, init?: RequestInit) =>
  fetch(`${spin.url}/out/raw?authority=${encodeURIComponent(authority)}&path=${encodeURIComponent(path)}`, init);

describe('one pipeline for client and in-app requests', () => {
  test('self reaches a WAGI component through its route: argv and the CGI environment are set, the answer is its own', async () => {
    const res = await from('', '/wagi/a/b?x=1&y=2');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-upstream-status'), '200');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    const text = await res.text();
    assert.deepEqual(args(text), ['/wagi/a/b', 'x=1', 'y=2']);
    const e = env(text);
    assert.equal(e.get('PATH_INFO'), '/a/b');
    assert.equal(e.get('X_MATCHED_ROUTE'), '/wagi/...');
    assert.equal(e.get('X_CLIENT_ADDR'), '0.0.0.0:0');
    assert.equal(e.get('X_FULL_URL'), `${spin.url}/wagi/a/b?x=1&y=2`);
  });

  test('<id>.spin.internal reaches a WAGI component with the whole path as PATH_INFO', async () => {
    const res = await from('wagi.spin.internal', '/p/q?z=3');
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.deepEqual(args(text), ['/p/q', 'z=3']);
    const e = env(text);
    assert.equal(e.get('PATH_INFO'), '/p/q');
    assert.equal(e.get('X_MATCHED_ROUTE'), '/...');
    assert.equal(e.get('X_FULL_URL'), 'http://wagi.spin.internal/p/q?z=3');
  });
});

describe('chained requests always make progress', () => {
  test(`${WORKERS * 3} concurrent self requests with --workers ${WORKERS} all succeed (each caller holds its worker while its callee runs)`, async () => {
    const n = WORKERS * 3;
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await from('', `/hello/n${i}`, { signal: AbortSignal.timeout(50_000) });
        return { status: res.status, body: await res.text(), i };
      }),
    );
    for (const a of answers) {
      assert.equal(a.status, 200, a.body);
      assert.equal((JSON.parse(a.body) as { pathWithQuery: string }).pathWithQuery, `/hello/n${a.i}`);
    }
  });

  for (const [via, authority] of [
    ['self', ''],
    ['rec.spin.internal', 'rec.spin.internal'],
  ] as const) {
    test(`a component calling itself without end through ${via} gets 508 naming the depth, and an unrelated route keeps answering`, async () => {
      const before = spin.output().length;
      const recursion = fetch(`${spin.url}/rec/again?authority=${encodeURIComponent(authority)}`, { signal: AbortSignal.timeout(50_000) });
      // Requests to an unrelated route while the recursion holds its workers.
      const unrelated = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          await new Promise((r) => setTimeout(r, i * 150));
          const res = await fetch(`${spin.url}/hello/meanwhile${i}`, { signal: AbortSignal.timeout(20_000) });
          return res.status;
        }),
      );
      assert.deepEqual(unrelated, [200, 200, 200, 200, 200, 200]);
      const res = await recursion;
      // Each level relays its callee's answer: the 508 of the level past the limit reaches the client.
      assert.equal(res.status, 508);
      assert.match(await res.text(), new RegExp(`nested ${MAX_DEPTH + 1} requests deep inside the app \\(the most is ${MAX_DEPTH}\\)`));
      assert.match(
        spin.output().slice(before),
        new RegExp(
          `\\[rec\\] request refused with 508: it is nested ${MAX_DEPTH + 1} requests deep through self or \\*\\.spin\\.internal \\(the most is ${MAX_DEPTH}\\)`,
        ),
      );
      // The chain's workers are free again.
      const after = await fetch(`${spin.url}/hello/after`);
      assert.equal(after.status, 200);
      await after.text();
    });
  }

  test('the workers started for chained requests beyond --workers are let go once idle (after 30 s)', { skip: !existsSync('/proc/self/task') }, async () => {
    // A recursion to the limit runs 9 requests at once: at least 5 workers beyond the 4.
    const res = await fetch(`${spin.url}/rec/again?authority=`);
    assert.equal(res.status, 508);
    await res.text();
    const peak = threads();
    const deadline = Date.now() + 90_000;
    while (threads() > peak - 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    assert.ok(threads() <= peak - 5, `threads ${peak} at the peak, ${threads()} now`);
    const after = await fetch(`${spin.url}/hello/after-retire`);
    assert.equal(after.status, 200);
    await after.text();
  });
});
