import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fields, FutureTrailers, httpTypesImports, IncomingBody, RequestOptions } from './http-types.js';
import { versionTolerant } from './index.js';
import { clockImports } from './clocks.js';
import { BufferSource, InputStream, ioImports, IoError, OutputStream, Pollable, WasiResultError } from './io.js';

const OCT = '0.2.0-rc-2023-10-18';
const NOV = '0.2.0-rc-2023-11-10';
const bytes = (s: string) => new TextEncoder().encode(s);

function tables(handle = httpTypesImports['wasi:http/outgoing-handler'].handle as (...args: unknown[]) => unknown) {
  return versionTolerant({ 'wasi:http/types': httpTypesImports['wasi:http/types'], 'wasi:http/outgoing-handler': { handle } }) as Record<
    string,
    Record<string, any>
  >;
}

test('each candidate gets its own wasi:http/types, built once; 0.2.x names get the 0.2 table', () => {
  const t = tables();
  assert.equal(t['wasi:http/types@0.2.3'], httpTypesImports['wasi:http/types']);
  assert.notEqual(t[`wasi:http/types@${OCT}`], httpTypesImports['wasi:http/types']);
  assert.equal(t[`wasi:http/types@${OCT}`], t[`wasi:http/types@${OCT}`]);
  assert.notEqual(t[`wasi:http/types@${OCT}`], t[`wasi:http/types@${NOV}`]);
  // interfaces whose shapes agree are 0.2's own
  assert.equal(t[`wasi:http/outgoing-handler@${NOV}`]!.handle, httpTypesImports['wasi:http/outgoing-handler'].handle);
});

test("10-18's fields are built from their entries; every fields the host makes passes jco's instanceof check", () => {
  const { Fields: Fields1018 } = tables()[`wasi:http/types@${OCT}`]!;
  const f = new Fields1018([['X-Rc', bytes('oct')]]);
  assert.deepEqual(f.get('x-rc'), [bytes('oct')]);
  assert.ok(new Fields() instanceof Fields1018);
  assert.ok(f.clone() instanceof Fields1018);
  assert.throws(
    () => new Fields1018([['bad name', bytes('x')]]),
    (e: Error) => e instanceof WebAssembly.RuntimeError && /invalid header "bad name"/.test(e.message),
  );
});

test("future-trailers.get answers each candidate's shape; the body class accepts every host-made body", () => {
  const t = tables();
  const zero2 = IncomingBody.finish(new IncomingBody(new BufferSource(bytes(''))));
  assert.deepEqual(zero2.get(), { tag: 'ok', val: { tag: 'ok', val: undefined } });
  const nov = t[`wasi:http/types@${NOV}`]!;
  const body = new IncomingBody(new BufferSource(bytes('')));
  assert.ok(body instanceof nov.IncomingBody);
  const novTrailers = nov.IncomingBody.finish(body);
  assert.ok(novTrailers instanceof nov.FutureTrailers && novTrailers instanceof FutureTrailers);
  assert.deepEqual(novTrailers.get(), { tag: 'ok', val: undefined });
  const oct = t[`wasi:http/types@${OCT}`]!;
  const octTrailers = oct.IncomingBody.finish(body).get();
  assert.equal(octTrailers.tag, 'ok');
  assert.ok(octTrailers.val instanceof Fields);
});

test("11-10's request options by their -ms names are the ones outbound HTTP reads", () => {
  const options = new (tables()[`wasi:http/types@${NOV}`]!.RequestOptions)() as RequestOptions & Record<string, (d?: bigint) => unknown>;
  options.setConnectTimeoutMs!(5_000_000_000n);
  options.setBetweenBytesTimeoutMs!(7n);
  assert.equal(options.connectTimeoutMs!(), 5_000_000_000n);
  assert.equal(options.connectTimeout(), 5_000_000_000n);
  assert.equal(options.betweenBytesTimeout(), 7n);
});

test("10-18's outgoing-handler takes options in milliseconds and answers its own error variant", () => {
  let seen: RequestOptions | undefined;
  const handler = tables((_req, options) => {
    seen = options as RequestOptions;
    throw new WasiResultError({ tag: 'HTTP-request-denied' });
  })[`wasi:http/outgoing-handler@${OCT}`]!;
  assert.throws(
    () => handler.handle({}, { connectTimeoutMs: 1500 }),
    (e: unknown) => e instanceof WasiResultError && JSON.stringify(e.payload) === JSON.stringify({ tag: 'unexpected-error', val: 'HTTP-request-denied' }),
  );
  assert.equal(seen?.connectTimeout(), 1_500_000_000n);
  const timeout = tables(() => {
    throw new WasiResultError({ tag: 'connection-timeout' });
  })[`wasi:http/outgoing-handler@${OCT}`]!;
  assert.throws(
    () => timeout.handle({}, undefined),
    (e: unknown) => e instanceof WasiResultError && (e.payload as { tag: string }).tag === 'timeout-error',
  );
});

test("10-18's io and clock names sit in the 0.2 tables too, for a module adapted with a 0.2 preview1 adapter (jco asks one table for both versions)", () => {
  const streams = ioImports['wasi:io/streams'];
  assert.equal(streams.Error, IoError);
  const poll = ioImports['wasi:io/poll'];
  assert.deepEqual([...poll.pollList([Pollable.ready()])], [0]);
  poll.pollOne(Pollable.ready());
  assert.throws(
    () => poll.pollOne(Object.create(Pollable.prototype) as Pollable),
    (e: Error) => e instanceof WebAssembly.RuntimeError && /wasi:io\/poll poll-one: the guest passed a resource handle/.test(e.message),
  );
  const clock = clockImports['wasi:clocks/monotonic-clock'];
  assert.ok(clock.subscribe(0n, true).ready());
  assert.ok(!clock.subscribe(60_000_000_000n, false).ready());
});

test("10-18's output-stream.forward copies its source to the end", () => {
  const got: Uint8Array[] = [];
  const out = new OutputStream({ write: (b) => got.push(b) });
  assert.equal(out.forward(new InputStream(new BufferSource(bytes('forward me')))), 10n);
  assert.equal(Buffer.concat(got).toString(), 'forward me');
});
