/**
 * Components of the two WASI 0.2 release candidates Spin 3 still serves: wasi:http
 * 0.2.0-rc-2023-10-18 (Spin 2.0's) and 0.2.0-rc-2023-11-10 (Spin 2.1's), through the real
 * `spin-ts up`. The guests (guest-examples/wat-http-rc-*) are written by hand in each
 * candidate's own shapes: 10-18 builds fields from a list, responses and requests from all
 * their parts, writes bodies with `write`, polls with poll-one and gets one `error` variant;
 * 11-10 reads future-trailers with one result level fewer than 0.2.0 and names its request
 * options `connect-timeout-ms`. Each answers a GET, echoes a POST body through its streams,
 * sets headers, sends one outbound request to a loopback peer, and passes a bad handle.
 * A third guest answers after dropping its request unread, as Spin 2.0's test components do.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';
import { freePort } from './support/ports.js';

const RCS = [
  { rc: '0.2.0-rc-2023-10-18', route: 'oct', component: 'wat-http-rc-2023-10-18', denied: { status: 502, body: /^HTTP-request-denied$/ } },
  { rc: '0.2.0-rc-2023-11-10', route: 'nov', component: 'wat-http-rc-2023-11-10', denied: { status: 403, body: /^HTTP-request-denied\n$/ } },
] as const;

let spin: RunningSpin;
let peer: Server;
let peerPort: number;
const peerSaw: string[] = [];

before(async () => {
  peer = createServer((req, res) => {
    peerSaw.push(`${req.method} ${req.url}`);
    res.writeHead(201, { 'content-type': 'text/plain' }).end(`pong from ${req.url}`);
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
  peerPort = (peer.address() as AddressInfo).port;
  const components = RCS.map(
    ({ route, component }) => `[[trigger.http]]
route = "/${route}/..."
component = "${route}"
[component.${route}]
source = "${guest(component)}"
allowed_outbound_hosts = ["http://127.0.0.1:${peerPort}"]
`,
  ).join('');
  const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "wasi-http-rc"
${components}
[[trigger.http]]
route = "/drop"
component = "drop"
[component.drop]
source = "${guest('wat-http-rc-drop-request')}"
`);
  spin = await startSpin(['-f', manifest, '--workers', '1']);
});
after(async () => {
  await spin?.stop();
  peer?.close();
});

for (const { rc, route, denied } of RCS) {
  test(`${rc}: a GET is answered with the guest's headers and body`, async () => {
    // twice: the second request runs on the reused (snapshot) instance
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${spin.url}/${route}/hello`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-wasi-http'), rc);
      assert.equal(res.headers.get('content-type'), 'text/plain');
      assert.equal(await res.text(), `hello from wasi:http ${rc}\n`);
    }
  });

  test(`${rc}: a POST body is read through the candidate's streams and echoed, its trailers taken`, async () => {
    // 300 KB: many 4 KiB reads and writes
    const body = Array.from({ length: 30_000 }, (_, i) => `${i % 10}abcdefghi`).join('');
    const res = await fetch(`${spin.url}/${route}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/x-rc-test' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-content-type'), 'application/x-rc-test');
    assert.equal(res.headers.get('x-wasi-http'), rc);
    assert.equal(await res.text(), body);
  });

  test(`${rc}: an outbound request through the candidate's outgoing-handler reaches the peer`, async () => {
    const before = peerSaw.length;
    const res = await fetch(`${spin.url}/${route}/outbound`, { headers: { 'x-peer': `127.0.0.1:${peerPort}` } });
    assert.equal(res.status, 201);
    assert.equal(await res.text(), 'pong from /from-rc');
    assert.deepEqual(peerSaw.slice(before), ['GET /from-rc']);
  });

  test(`${rc}: a request to a host the component may not reach is the candidate's error, and the log says what to allow`, async () => {
    const port = await freePort();
    const res = await fetch(`${spin.url}/${route}/outbound`, { headers: { 'x-peer': `127.0.0.1:${port}` } });
    assert.equal(res.status, denied.status);
    assert.match(await res.text(), denied.body);
    assert.match(
      spin.output(),
      new RegExp(
        `component '${route}' may not send a request to http://127\\.0\\.0\\.1:${port}/from-rc\\. To allow it, add "http://127\\.0\\.0\\.1:${port}" to allowed_outbound_hosts`,
      ),
    );
  });

  test(`${rc}: a bad pollable handle is a trap naming the candidate's call, and the component keeps serving`, async () => {
    const call = rc.endsWith('10-18') ? 'poll-one' : 'pollable.block';
    const res = await fetch(`${spin.url}/${route}/bad-handle`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.match(
      text,
      new RegExp(`guest trapped: wasi:io/poll ${call.replace('.', '\\.')}: the guest passed a resource handle \\(handle 12345\\) that is not a live pollable`),
    );
    assert.doesNotMatch(text, /TypeError/);
    assert.match(spin.output(), new RegExp(`\\[${route}\\] request failed: guest trapped: wasi:io/poll ${call.replace('.', '\\.')}`));
    assert.equal((await fetch(`${spin.url}/${route}/hello`)).status, 200);
  });
}

test('a guest that drops its request without calling a method on it is answered (Spin 2.0 test components do), on every request', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${spin.url}/drop`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'request dropped unread\n');
  }
  assert.doesNotMatch(spin.output(), /unreachable trampoline/);
});
