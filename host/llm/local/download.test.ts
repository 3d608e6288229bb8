import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LlmError } from '../engine.js';
import { downloadPath, ensureDownloaded } from './download.js';

const BODY = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 7) % 251));
const SHA = createHash('sha256').update(BODY).digest('hex');

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A loopback server whose behaviour per request is `handler` (n counts from 1); it records the Range headers. */
async function serve(handler: Handler): Promise<{ url: string; ranges: Array<string | undefined>; close: () => Promise<void> }> {
  const ranges: Array<string | undefined> = [];
  const server: Server = createServer((req, res) => {
    ranges.push(req.headers.range);
    handler(req, res, ranges.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/models/tiny.gguf`,
    ranges,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Answers the whole body, or the asked range with 206, as a static file server does. */
function whole(req: IncomingMessage, res: ServerResponse): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const headers: Record<string, string | number> = { 'content-length': BODY.length - start };
  if (m) headers['content-range'] = `bytes ${start}-${BODY.length - 1}/${BODY.length}`;
  res.writeHead(m ? 206 : 200, headers);
  res.end(BODY.subarray(start));
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llm-download-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fast(name: string, url: string, extra: Partial<Parameters<typeof ensureDownloaded>[0]> = {}) {
  const lines: string[] = [];
  const stream = { isTTY: false } as NodeJS.WriteStream;
  return {
    lines,
    opts: { name, url, dest: join(dir, name, 'model.gguf'), sha256: SHA, log: (l: string) => lines.push(l), retryDelayMs: 10, stream, ...extra },
  };
}

describe('ensureDownloaded', () => {
  test('plain success: verified, kept, a log line per 10%, and not fetched again', async () => {
    const s = await serve(whole);
    try {
      const { lines, opts } = fast('plain', s.url);
      const r = await ensureDownloaded(opts);
      assert.deepEqual(r, { path: opts.dest, downloaded: true });
      assert.ok((await readFile(opts.dest)).equals(BODY));
      assert.ok(!existsSync(`${opts.dest}.part`));
      const pct = lines
        .map((l) => /downloaded (\d+)%/.exec(l)?.[1])
        .filter(Boolean)
        .map(Number);
      assert.deepEqual(pct, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      assert.match(lines.at(-1)!, /sha256 verified/);
      assert.deepEqual(await ensureDownloaded(opts), { path: opts.dest, downloaded: false });
      assert.equal(s.ranges.length, 1, 'a kept file is not downloaded again');
    } finally {
      await s.close();
    }
  });

  test('a connection dropped half-way is resumed with a Range request', async () => {
    const s = await serve((req, res, n) => {
      if (n > 1) return whole(req, res);
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, BODY.length / 2), () => res.destroy());
    });
    try {
      const { lines, opts } = fast('resumed', s.url);
      assert.equal((await ensureDownloaded(opts)).downloaded, true);
      assert.ok((await readFile(opts.dest)).equals(BODY));
      assert.equal(s.ranges[0], undefined);
      assert.match(s.ranges[1] ?? '', /^bytes=\d+-$/);
      assert.ok(Number(/\d+/.exec(s.ranges[1]!)![0]) > 0, 'the second request asks for the rest only');
      assert.ok(
        lines.some((l) => /download interrupted at .*resuming \(try 2 of 5\)/.test(l)),
        lines.join('\n'),
      );
      assert.ok(lines.some((l) => /resuming at/.test(l)));
    } finally {
      await s.close();
    }
  });

  test('a server that ignores Range sends the whole file again, and it is written from the start', async () => {
    const s = await serve((req, res, n) => {
      res.writeHead(200, { 'content-length': BODY.length });
      if (n === 1) res.write(BODY.subarray(0, 1000), () => res.destroy());
      else res.end(BODY);
    });
    try {
      const { opts } = fast('no-range', s.url);
      await ensureDownloaded(opts);
      assert.ok((await readFile(opts.dest)).equals(BODY));
    } finally {
      await s.close();
    }
  });

  test('a wrong sha256 is refused naming both digests, and nothing is kept', async () => {
    const s = await serve(whole);
    try {
      const wrong = '0'.repeat(64);
      const { opts } = fast('wrong-hash', s.url, { sha256: wrong });
      await assert.rejects(
        ensureDownloaded(opts),
        (err: unknown) => err instanceof LlmError && err.message.includes(`expected ${wrong}, got ${SHA}`) && err.message.includes("model 'wrong-hash'"),
      );
      assert.ok(!existsSync(opts.dest) && !existsSync(`${opts.dest}.part`));
    } finally {
      await s.close();
    }
  });

  test('404 is final: one request, a message naming the URL', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404).end('no such model');
    });
    try {
      const { opts } = fast('missing', s.url);
      await assert.rejects(
        ensureDownloaded(opts),
        /cannot download model 'missing' from http:\/\/127\.0\.0\.1:\d+\/models\/tiny\.gguf: HTTP 404\. Fix: the file is not there/,
      );
      assert.equal(s.ranges.length, 1);
    } finally {
      await s.close();
    }
  });

  test('a server that stalls times out each try, then gives up keeping the part for next time', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 4096)); // then nothing
    });
    try {
      const { lines, opts } = fast('stalled', s.url, { timeoutMs: 200, attempts: 2 });
      const t0 = Date.now();
      await assert.rejects(ensureDownloaded(opts), /cannot download model 'stalled' .*gave up after 2 tries; 0\.0 MiB kept in .*\.part, resumed next time/);
      assert.ok(Date.now() - t0 < 5000);
      assert.ok(lines.some((l) => /download interrupted/.test(l)));
      assert.ok(existsSync(`${opts.dest}.part`));
    } finally {
      await s.close();
    }
  });

  test('5xx is retried', async () => {
    const s = await serve((req, res, n) => (n === 1 ? res.writeHead(503).end() : whole(req, res)));
    try {
      const { opts } = fast('retried', s.url);
      assert.equal((await ensureDownloaded(opts)).downloaded, true);
      assert.equal(s.ranges.length, 2);
    } finally {
      await s.close();
    }
  });
});

describe('downloadPath', () => {
  test("the URL's file name under <state>/ai-models/<name>/, .gguf added when missing", () => {
    assert.equal(downloadPath('/s', 'm', 'https://h/x/Llama-3.Q4_K_M.gguf?download=true'), '/s/ai-models/m/Llama-3.Q4_K_M.gguf');
    assert.equal(downloadPath('/s', 'm', 'https://h/'), '/s/ai-models/m/model.gguf');
    assert.equal(downloadPath('/s', 'm', 'https://h/blob/abc'), '/s/ai-models/m/abc.gguf');
  });
});
