import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WasiResultError } from '../../wasi/io.js';
import { FieldsP3, RequestP3, ResponseP3 } from './http-types-p3.js';

const bytes = (s: string) => new TextEncoder().encode(s);

test('fields@0.3: copy-all, get-and-delete, and clone keep the 0.3 class', () => {
  const f = FieldsP3.fromList([
    ['X-A', bytes('1')],
    ['x-a', bytes('2')],
    ['x-b', bytes('3')],
  ]);
  assert.deepEqual(
    f.copyAll().map(([n, v]) => [n, Buffer.from(v).toString()]),
    [
      ['x-a', '1'],
      ['x-a', '2'],
      ['x-b', '3'],
    ],
  );
  assert.deepEqual(
    f.getAndDelete('X-A').map((v) => Buffer.from(v).toString()),
    ['1', '2'],
  );
  assert.equal(f.has('x-a'), false);
  assert.ok(f.clone() instanceof FieldsP3);
});

test('fields@0.3: a bad name or value is header-error invalid-syntax', () => {
  assert.throws(
    () => FieldsP3.fromList([['bad name', bytes('v')]]),
    (err: unknown) => err instanceof WasiResultError && (err.payload as { tag: string }).tag === 'invalid-syntax',
  );
  assert.throws(() => FieldsP3.fromList([['x', bytes('a\nb')]]), WasiResultError);
});

test('a request’s and a response’s headers are immutable once attached', () => {
  const incoming = RequestP3.incoming({
    method: { tag: 'get' },
    pathWithQuery: '/a?b',
    scheme: { tag: 'HTTP' },
    authority: 'h',
    headers: FieldsP3.fromStrings([['x-in', 'v']], true),
    body: { read: () => null },
  });
  assert.throws(() => incoming.getHeaders().append('x-more', bytes('1')), WasiResultError);
  const [response] = ResponseP3.new(FieldsP3.fromList([['x-out', bytes('1')]]), undefined, Promise.resolve({ tag: 'ok' }));
  assert.throws(() => response.getHeaders().set('x-out', [bytes('2')]), WasiResultError);
  assert.throws(() => response.setStatusCode(42), WasiResultError);
  response.setStatusCode(201);
  assert.equal(response.getStatusCode(), 201);
});

test('the request body is pulled from its source only as the guest reads, and consumed once', async () => {
  const pieces = [bytes('ab'), bytes('c')];
  let reads = 0;
  const request = RequestP3.incoming({
    method: { tag: 'post' },
    pathWithQuery: '/',
    scheme: { tag: 'HTTP' },
    authority: 'h',
    headers: new FieldsP3(),
    body: {
      read: () => {
        reads++;
        return pieces.shift() ?? null;
      },
    },
  });
  const [body] = RequestP3.consumeBody(request, undefined) as [AsyncIterator<Uint8Array>, unknown];
  assert.equal(reads, 0);
  const got: string[] = [];
  for (let r = await body.next(); !r.done; r = await body.next()) got.push(Buffer.from(r.value).toString());
  assert.deepEqual(got, ['ab', 'c']);
  assert.throws(() => RequestP3.consumeBody(request, undefined), WasiResultError);
});
