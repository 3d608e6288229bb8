/**
 * Request bodies stream to the guest as it reads them, within --max-request-body-size,
 * and the client sees exactly the guest's response headers (plus HTTP framing).
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { guest, runCli, startSpin, writeApp, type RunningSpin } from './support/spin.js';
import { rssOf, upload } from './support/upload.js';

const MiB = 1024 * 1024;

const manifest = `
spin_manifest_version = 2
[application]
name = "bodies"

[[trigger.http]]
route = "/body/..."
component = "body"

[[trigger.http]]
route = "/inbound/..."
component = "inbound"

[component.body]
source = "${guest('js-body')}"

[component.inbound]
source = "${guest('js-inbound')}"
`;

let small: RunningSpin;

before(async () => {
  small = await startSpin(['-f', await writeApp(manifest), '--max-request-body-size', '1m']);
});
after(async () => small?.stop());

/** Status and raw header names of a GET, as they came off the wire. */
function rawGet(url: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers[res.rawHeaders[i]!.toLowerCase()] = res.rawHeaders[i + 1]!;
        resolve({ status: res.statusCode ?? 0, headers, body });
      });
    }).on('error', reject);
  });
}

describe('--max-request-body-size', () => {
  test('a body of exactly the cap reaches the guest whole', async () => {
    const r = await upload(`${small.url}/body/count`, MiB);
    assert.equal(r.status, 200);
    assert.equal(r.text, `${MiB}\n`);
  });

  test('a Content-Length above the cap is 413 before any of the body is sent', async () => {
    const r = await upload(`${small.url}/body/count`, 0, { declareOnly: MiB + 1 });
    assert.equal(r.status, 413);
    assert.match(r.text, /larger than 1048576 bytes/);
  });

  test('a chunked body that grows past the cap is 413', async () => {
    const r = await upload(`${small.url}/body/count`, 3 * MiB, { chunked: true });
    assert.equal(r.status, 413);
    assert.match(r.text, /larger than 1048576 bytes/);
  });

  test('inbound-http guests get the body whole within the cap, and 413 past it', async () => {
    const ok = await fetch(`${small.url}/inbound/x`, { method: 'PUT', body: 'x'.repeat(300_000) });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { body: string }).body.length, 300_000);
    const chunked = await upload(`${small.url}/inbound/x`, 2 * MiB, { chunked: true });
    assert.equal(chunked.status, 413);
    const declared = await upload(`${small.url}/inbound/x`, 0, { declareOnly: 2 * MiB });
    assert.equal(declared.status, 413);
  });

  test('after a 413 the host keeps serving', async () => {
    const r = await upload(`${small.url}/body/count`, 1000, { chunked: true });
    assert.equal(r.status, 200);
    assert.equal(r.text, '1000\n');
  });

  test('a size that is not a size is refused with the flag named', async () => {
    const r = await runCli(['up', '-f', await writeApp(manifest), '--listen', '127.0.0.1:0', '--max-request-body-size', 'huge']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--max-request-body-size: 'huge' is not a size/);
  });
});

describe("response headers are the guest's own", () => {
  test('a response with no headers gets no content-type, only framing', async () => {
    const r = await rawGet(`${small.url}/body/bare`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'bare');
    assert.deepEqual(Object.keys(r.headers).sort(), ['connection', 'content-length', 'date', 'keep-alive']);
    assert.equal(r.headers['content-length'], '4');
  });

  test('an empty body is content-length: 0, not chunked', async () => {
    const r = await rawGet(`${small.url}/body/empty`);
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.headers['transfer-encoding'], undefined);
    assert.equal(r.headers['content-type'], undefined);
  });
});

describe('streaming uploads', () => {
  let big: RunningSpin;
  before(async () => {
    big = await startSpin(['-f', await writeApp(manifest), '--workers', '4', '--quiet']);
  });
  after(async () => big?.stop());

  // The guest skips over the body (js-body /discard), so what is measured is the host's
  // streaming path: socket → main thread → bridge → worker. (A JS guest that reads each piece
  // into its own heap, /count, grows its linear memory by about 140 MB per 100 MB upload before
  // StarlingMonkey collects: guest memory, capped by --guest-memory-mb.)
  test('4 × 100 MB at once stream through to the guest, and host RSS stays bounded', async () => {
    // Warm every worker and the sockets first, so the baseline includes them.
    await Promise.all([1, 2, 3, 4].map(() => upload(`${big.url}/body/discard`, 4 * MiB)));
    const pid = big.proc.pid!;
    const baseline = await rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(
      () =>
        void rssOf(pid).then(
          (r) => (peak = Math.max(peak, r)),
          () => {},
        ),
      25,
    );
    const size = 100_000_000;
    const results = await Promise.all([
      upload(`${big.url}/body/discard`, size),
      upload(`${big.url}/body/discard`, size),
      upload(`${big.url}/body/discard`, size, { chunked: true }),
      upload(`${big.url}/body/discard`, size, { chunked: true }),
    ]);
    clearInterval(sampler);
    for (const r of results) assert.deepEqual([r.status, r.text], [200, `${size}\n`]);
    const growthMb = (peak - baseline) / MiB;
    console.log(`host RSS: baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB, growth ${growthMb.toFixed(1)} MiB for 4 × 100 MB`);
    // Before streaming, 4 × 100 MB took host RSS from 272 MB to 1.7 GB.
    assert.ok(growthMb < 256, `host RSS grew by ${growthMb.toFixed(1)} MiB`);
  });
});
